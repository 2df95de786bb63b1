#include "TestNotificationServer.h"

#include <QDBusConnectionInterface>
#include <QDBusError>
#include <QDBusMessage>
#include <QMetaObject>
#include <QMutexLocker>

namespace {

const QString kServiceName = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
const QString kConnectionName = QStringLiteral("test-notification-server");

} // namespace

QStringList ReceivedNotification::actionKeys() const {
    QStringList keys;
    for (qsizetype i = 0; i + 1 < actions.size(); i += 2) {
        keys << actions.at(i);
    }
    return keys;
}

QString ReceivedNotification::labelOf(const QString& key) const {
    for (qsizetype i = 0; i + 1 < actions.size(); i += 2) {
        if (actions.at(i) == key) {
            return actions.at(i + 1);
        }
    }
    return {};
}

NotificationsObject::NotificationsObject(QStringList capabilities)
    : capabilities_(std::move(capabilities)) {}

void NotificationsObject::setCapabilities(const QStringList& capabilities) {
    const QMutexLocker lock(&mutex_);
    capabilities_ = capabilities;
}

QList<ReceivedNotification> NotificationsObject::received() const {
    const QMutexLocker lock(&mutex_);
    return received_;
}

QStringList NotificationsObject::GetCapabilities() {
    const QMutexLocker lock(&mutex_);
    return capabilities_;
}

uint NotificationsObject::Notify(const QString& appName, uint replacesId, const QString&,
                                 const QString& summary, const QString& body,
                                 const QStringList& actions, const QVariantMap& hints,
                                 int expireTimeout) {
    const QMutexLocker lock(&mutex_);
    ReceivedNotification notification;
    notification.id = replacesId != 0 ? replacesId : nextId_++;
    notification.appName = appName;
    notification.summary = summary;
    notification.body = body;
    notification.actions = actions;
    notification.hints = hints;
    notification.expireTimeout = expireTimeout;
    received_ << notification;
    return notification.id;
}

void NotificationsObject::CloseNotification(uint id) {
    QDBusMessage closed =
        QDBusMessage::createSignal(kPath, kServiceName, QStringLiteral("NotificationClosed"));
    closed.setArguments({id, 3U});
    QDBusConnection(kConnectionName).send(closed);
}

QString NotificationsObject::GetServerInformation(QString& vendor, QString& version,
                                                  QString& specVersion) {
    vendor = QStringLiteral("mamori-tests");
    version = QStringLiteral("1");
    specVersion = QStringLiteral("1.2");
    return QStringLiteral("test-notification-server");
}

TestNotificationServer::TestNotificationServer(QStringList capabilities) {
    daemon_.setProgram(QStringLiteral("dbus-daemon"));
    daemon_.setArguments({QStringLiteral("--session"), QStringLiteral("--nofork"),
                          QStringLiteral("--nosyslog"), QStringLiteral("--print-address=1")});
    daemon_.start();
    if (!daemon_.waitForStarted(5000) || !daemon_.waitForReadyRead(5000)) {
        error_ = QStringLiteral("dbus-daemon --session did not start: ") + daemon_.errorString();
        return;
    }
    address_ = QString::fromUtf8(daemon_.readLine()).trimmed();
    qputenv("DBUS_SESSION_BUS_ADDRESS", address_.toUtf8());

    QDBusConnection bus = QDBusConnection::connectToBus(address_, kConnectionName);
    if (!bus.isConnected()) {
        error_ = QStringLiteral("cannot reach the session bus: ") + bus.lastError().message();
        return;
    }
    object_ = std::make_unique<NotificationsObject>(std::move(capabilities));
    thread_.start();
    object_->moveToThread(&thread_);
    // Calls are delivered in the thread the object lives in: libnotify blocking the GUI
    // thread cannot keep the server from answering.
    if (!bus.registerObject(kPath, object_.get(), QDBusConnection::ExportAllSlots) ||
        !bus.registerService(kServiceName)) {
        error_ = QStringLiteral("cannot serve org.freedesktop.Notifications: ") +
                 bus.lastError().message();
    }
}

TestNotificationServer::~TestNotificationServer() {
    QDBusConnection::disconnectFromBus(kConnectionName);
    thread_.quit();
    thread_.wait();
    object_.reset();
    daemon_.terminate();
    daemon_.waitForFinished(3000);
}

void TestNotificationServer::setCapabilities(const QStringList& capabilities) {
    object_->setCapabilities(capabilities);
}

QList<ReceivedNotification> TestNotificationServer::received() const {
    return object_ ? object_->received() : QList<ReceivedNotification>{};
}

std::optional<ReceivedNotification> TestNotificationServer::latestAbout(const QString& text) const {
    std::optional<ReceivedNotification> latest;
    for (const ReceivedNotification& notification : received()) {
        if (notification.summary.contains(text)) {
            latest = notification;
        }
    }
    return latest;
}

qsizetype TestNotificationServer::countAbout(const QString& text) const {
    const auto all = received();
    return std::count_if(all.cbegin(), all.cend(),
                         [&](const ReceivedNotification& n) { return n.summary.contains(text); });
}

void TestNotificationServer::invokeAction(uint id, const QString& key) {
    emitSignal(QStringLiteral("ActionInvoked"), {id, key});
}

void TestNotificationServer::close(uint id, uint reason) {
    emitSignal(QStringLiteral("NotificationClosed"), {id, reason});
}

void TestNotificationServer::emitSignal(const QString& name, const QVariantList& arguments) {
    QDBusMessage message = QDBusMessage::createSignal(kPath, kServiceName, name);
    message.setArguments(arguments);
    QDBusConnection(kConnectionName).send(message);
}
