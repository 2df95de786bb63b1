#include "DesktopNotifications.h"

#include <libnotify/notify.h>

namespace mamori::gui {

namespace {

struct GErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};

} // namespace

DesktopNotification::DesktopNotification(Token, NotifyNotification* notification)
    : notification_(notification) {
    closedHandler_ =
        g_signal_connect(notification_, "closed", G_CALLBACK(&DesktopNotification::onClosed), this);
}

DesktopNotification::~DesktopNotification() {
    g_signal_handler_disconnect(notification_, closedHandler_);
    if (!closed_) {
        notify_notification_close(notification_, nullptr);
    }
    // The actions' user data is `this`: clearing them drops libnotify's references first.
    notify_notification_clear_actions(notification_);
    g_object_unref(notification_);
}

void DesktopNotification::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    notify_notification_close(notification_, nullptr);
}

void DesktopNotification::onAction(NotifyNotification*, char* key, void* self) {
    Q_EMIT static_cast<DesktopNotification*>(self)->actionInvoked(QString::fromUtf8(key));
}

void DesktopNotification::onClosed(NotifyNotification* notification, void* self) {
    auto* that = static_cast<DesktopNotification*>(self);
    that->closed_ = true;
    const int reason = notify_notification_get_closed_reason(notification);
    Q_EMIT that->closed(reason >= 1 && reason <= 3 ? static_cast<CloseReason>(reason)
                                                   : CloseReason::Undefined);
}

DesktopNotifications::DesktopNotifications(const QString& appName) {
    initialized_ = notify_init(appName.toUtf8().constData()) != 0;
}

DesktopNotifications::~DesktopNotifications() {
    if (initialized_) {
        notify_uninit();
    }
}

QStringList DesktopNotifications::serverCapabilities() const {
    QStringList capabilities;
    if (!initialized_) {
        return capabilities;
    }
    GList* list = notify_get_server_caps();
    for (GList* item = list; item != nullptr; item = item->next) {
        capabilities << QString::fromUtf8(static_cast<const char*>(item->data));
    }
    g_list_free_full(list, g_free);
    return capabilities;
}

bool DesktopNotifications::supportsActions() const {
    return serverCapabilities().contains(QStringLiteral("actions"));
}

bool DesktopNotifications::post(const Request& request, QString* error) {
    auto notification = show(request, error);
    if (!notification) {
        return false;
    }
    // Forgetting it must not close it.
    notification->closed_ = true;
    return true;
}

std::unique_ptr<DesktopNotification> DesktopNotifications::show(const Request& request,
                                                                QString* error) {
    if (!initialized_) {
        if (error != nullptr) {
            *error = QObject::tr("libnotify could not start");
        }
        return nullptr;
    }
    NotifyNotification* raw = notify_notification_new(
        request.summary.toUtf8().constData(), request.body.toUtf8().constData(),
        request.iconName.isEmpty() ? nullptr : request.iconName.toUtf8().constData());
    auto notification = std::make_unique<DesktopNotification>(DesktopNotification::Token{}, raw);
    for (const Action& action : request.actions) {
        notify_notification_add_action(raw, action.key.toUtf8().constData(),
                                       action.label.toUtf8().constData(),
                                       &DesktopNotification::onAction, notification.get(), nullptr);
    }
    switch (request.urgency) {
    case Urgency::Low:
        notify_notification_set_urgency(raw, NOTIFY_URGENCY_LOW);
        break;
    case Urgency::Normal:
        notify_notification_set_urgency(raw, NOTIFY_URGENCY_NORMAL);
        break;
    case Urgency::Critical:
        notify_notification_set_urgency(raw, NOTIFY_URGENCY_CRITICAL);
        break;
    }
    notify_notification_set_timeout(raw, request.timeoutMs > 0 ? request.timeoutMs
                                                               : NOTIFY_EXPIRES_DEFAULT);
    GError* rawError = nullptr;
    if (notify_notification_show(raw, &rawError) == 0) {
        const std::unique_ptr<GError, GErrorFree> failure(rawError);
        if (error != nullptr) {
            *error = failure ? QString::fromUtf8(failure->message) : QObject::tr("unknown error");
        }
        notification->closed_ = true;
        return nullptr;
    }
    return notification;
}

} // namespace mamori::gui
