// Desktop notifications through libnotify (org.freedesktop.Notifications on the session bus).
// libnotify runs on GLib's default main context, which Qt's event loop drives on Linux, so its
// callbacks arrive on the GUI thread like any Qt signal.
#pragma once

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <memory>

// libnotify's type, declared as its header does (that header brings all of GLib along).
using NotifyNotification = struct _NotifyNotification; // NOLINT(bugprone-reserved-identifier)

namespace mamori::gui {

// One shown notification; closed (and forgotten by the server) when destroyed.
class DesktopNotification : public QObject {
    Q_OBJECT
    // Only DesktopNotifications makes them.
    struct Token {
        explicit Token() = default;
    };

public:
    // The server's reasons (Desktop Notifications spec, NotificationClosed).
    enum class CloseReason { Expired = 1, Dismissed = 2, ClosedByCall = 3, Undefined = 4 };

    DesktopNotification(Token, NotifyNotification* notification);
    ~DesktopNotification() override;
    DesktopNotification(const DesktopNotification&) = delete;
    DesktopNotification& operator=(const DesktopNotification&) = delete;

    void close();

Q_SIGNALS:
    void actionInvoked(const QString& key);
    void closed(mamori::gui::DesktopNotification::CloseReason reason);

private:
    friend class DesktopNotifications;
    static void onAction(NotifyNotification* notification, char* key, void* self);
    static void onClosed(NotifyNotification* notification, void* self);

    NotifyNotification* notification_;
    unsigned long closedHandler_ = 0;
    bool closed_ = false;
};

class DesktopNotifications {
public:
    enum class Urgency { Low, Normal, Critical };
    struct Action {
        QString key;
        QString label;
    };
    struct Request {
        QString summary;
        QString body;
        QString iconName;
        QList<Action> actions;
        Urgency urgency = Urgency::Normal;
        // 0: the server's default.
        int timeoutMs = 0;
    };

    explicit DesktopNotifications(const QString& appName);
    ~DesktopNotifications();
    DesktopNotifications(const DesktopNotifications&) = delete;
    DesktopNotifications& operator=(const DesktopNotifications&) = delete;

    // Whether a notification server answers on the session bus, and what it offers (asked
    // again each time: servers come and go with the desktop).
    QStringList serverCapabilities() const;
    bool supportsActions() const;

    // A notification without answers that stays until the server lets it go; false with
    // `error` set when no server took it.
    bool post(const Request& request, QString* error = nullptr);
    // The shown notification, or nullptr with `error` set when no server took it.
    std::unique_ptr<DesktopNotification> show(const Request& request, QString* error = nullptr);

private:
    bool initialized_ = false;
};

} // namespace mamori::gui
