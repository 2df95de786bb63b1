// A notification server for tests (org.freedesktop.Notifications, Desktop Notifications spec
// 1.2) on a private session bus of its own: it records each Notify call, answers with the
// capabilities a test chooses, and sends ActionInvoked / NotificationClosed when told. It runs
// its own thread, because libnotify's calls block the GUI thread until they are answered.
// A test double by necessity: CI has no desktop whose server could be driven.
#pragma once

#include <QDBusConnection>
#include <QMutex>
#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QThread>
#include <QVariantMap>
#include <memory>
#include <optional>

struct ReceivedNotification {
    uint id = 0;
    QString appName;
    QString summary;
    QString body;
    QStringList actions; // key, label, key, label, ...
    QVariantMap hints;
    int expireTimeout = 0;

    QStringList actionKeys() const;
    QString labelOf(const QString& key) const;
};

// The object on the bus; lives in the server's thread. Its signals are sent as messages
// (TestNotificationServer::emitSignal): QtDBus cannot relay a Qt signal from another thread.
class NotificationsObject : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    explicit NotificationsObject(QStringList capabilities);

    void setCapabilities(const QStringList& capabilities);
    QList<ReceivedNotification> received() const;

public Q_SLOTS:
    QStringList GetCapabilities();
    uint Notify(const QString& appName, uint replacesId, const QString& appIcon,
                const QString& summary, const QString& body, const QStringList& actions,
                const QVariantMap& hints, int expireTimeout);
    void CloseNotification(uint id);
    QString GetServerInformation(QString& vendor, QString& version, QString& specVersion);

private:
    mutable QMutex mutex_;
    QStringList capabilities_;
    QList<ReceivedNotification> received_;
    uint nextId_ = 1;
};

class TestNotificationServer {
public:
    // Starts a private session bus, points DBUS_SESSION_BUS_ADDRESS at it and serves there.
    explicit TestNotificationServer(QStringList capabilities = {QStringLiteral("actions"),
                                                                QStringLiteral("body")});
    ~TestNotificationServer();
    TestNotificationServer(const TestNotificationServer&) = delete;
    TestNotificationServer& operator=(const TestNotificationServer&) = delete;

    // Empty when it is up; else why not.
    const QString& error() const { return error_; }
    void setCapabilities(const QStringList& capabilities);
    QList<ReceivedNotification> received() const;
    // The latest notification whose summary contains `text`.
    std::optional<ReceivedNotification> latestAbout(const QString& text) const;
    qsizetype countAbout(const QString& text) const;

    void invokeAction(uint id, const QString& key);
    // What a server sends when a notification goes away: 1 expired, 2 dismissed, 3 closed.
    void close(uint id, uint reason);

private:
    void emitSignal(const QString& name, const QVariantList& arguments);

    QProcess daemon_;
    QString address_;
    QString error_;
    QThread thread_;
    std::unique_ptr<NotificationsObject> object_;
};
