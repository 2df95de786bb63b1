#include "RemoteInterface.h"

#include "QtNames.h"
#include "ServiceWatcher.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <utility>

namespace mamori::gui {

RemoteInterface::RemoteInterface(ServiceWatcher& service, QString path, QString interface,
                                 QObject* parent)
    : QObject(parent)
    , service_(service)
    , path_(std::move(path))
    , interface_(std::move(interface)) {
    QDBusConnection bus = service_.bus();
    bus.connect(qtName(names::kBusName), path_, qtName(names::iface::kProperties),
                QStringLiteral("PropertiesChanged"), this,
                SLOT(onPropertiesChanged(QString, QVariantMap, QStringList)));
    connect(&service_, &ServiceWatcher::runningChanged, this, [this](bool running) {
        if (running) {
            refresh();
        } else {
            clear();
        }
    });
    if (service_.running()) {
        refresh();
    }
}

void RemoteInterface::refresh() {
    QDBusMessage message =
        QDBusMessage::createMethodCall(qtName(names::kBusName), path_,
                                       qtName(names::iface::kProperties), QStringLiteral("GetAll"));
    message << interface_;
    const quint64 generation = ++generation_;
    auto* watcher = new QDBusPendingCallWatcher(service_.bus().asyncCall(message), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, generation](QDBusPendingCallWatcher* call) {
                const QDBusPendingReply<QVariantMap> reply = *call;
                call->deleteLater();
                if (generation != generation_ || reply.isError()) {
                    return; // stale, or the service went away: ServiceWatcher tells
                }
                values_ = reply.value();
                loaded_ = true;
                Q_EMIT changed();
            });
}

void RemoteInterface::call(const QString& method, const QVariantList& arguments, CallMode mode,
                           CallDone done) {
    callMamori(service_.bus(), path_, interface_, method, arguments, mode, this, std::move(done));
}

void RemoteInterface::userAction(const QString& method, const QVariantList& arguments) {
    userAction(path_, interface_, method, arguments);
}

void RemoteInterface::userAction(const QString& path, const QString& interface,
                                 const QString& method, const QVariantList& arguments) {
    callMamori(service_.bus(), path, interface, method, arguments, CallMode::UserAction, this,
               [this, method](const QString& error) {
                   if (!error.isEmpty()) {
                       Q_EMIT actionFailed(method, error);
                       return;
                   }
                   refresh();
                   Q_EMIT actionSucceeded(method);
               });
}

void RemoteInterface::userQuery(const QString& method, const QVariantList& arguments,
                                std::function<void(const QDBusMessage& reply)> replied) {
    callMamori(service_.bus(), path_, interface_, method, arguments, CallMode::UserAction, this,
               [this, method, replied = std::move(replied)](const QDBusMessage& reply,
                                                            const QString& error) {
                   if (!error.isEmpty()) {
                       Q_EMIT actionFailed(method, error);
                       return;
                   }
                   replied(reply);
               });
}

void RemoteInterface::onPropertiesChanged(const QString& interface, const QVariantMap&,
                                          const QStringList&) {
    if (interface == interface_) {
        refresh();
    }
}

void RemoteInterface::clear() {
    ++generation_;
    values_.clear();
    loaded_ = false;
    Q_EMIT changed();
}

} // namespace mamori::gui
