#include "DevicesState.h"

#include "DbusTypes.h"
#include "QtNames.h"
#include "ServiceWatcher.h"

#include <QDBusMessage>
#include <QDBusObjectPath>

namespace mamori::gui {

DevicesState::DevicesState(ServiceWatcher& service, QObject* parent)
    : QObject(parent)
    , interface_(service, qtName(names::kRootPath), qtName(names::iface::kDevices)) {
    registerDbusTypes();
    connect(&interface_, &RemoteInterface::changed, this, &DevicesState::changed);
    connect(&interface_, &RemoteInterface::actionSucceeded, this, &DevicesState::actionSucceeded);
    connect(&interface_, &RemoteInterface::actionFailed, this, &DevicesState::actionFailed);
    QDBusConnection bus = service.bus();
    bus.connect(qtName(names::kBusName), qtName(names::kRootPath), qtName(names::iface::kDevices),
                QStringLiteral("DeviceWaiting"), this, SLOT(onDeviceWaiting(QDBusObjectPath)));
}

QString DevicesState::devicePath(const QString& deviceId) {
    return qtName(names::kDevicesPath) + QLatin1Char('/') + deviceId;
}

QString DevicesState::defaultPolicy() const {
    return interface_.value<QString>(QStringLiteral("DefaultPolicy"));
}
bool DevicesState::enforcing() const {
    return interface_.value<bool>(QStringLiteral("Enforcing"));
}
QDateTime DevicesState::allowAllUntil() const {
    const auto micros = interface_.value<qulonglong>(QStringLiteral("AllowAllUntil"));
    return micros == 0 ? QDateTime() : QDateTime::fromMSecsSinceEpoch(qint64(micros / 1000));
}
bool DevicesState::bluetoothBlocked() const {
    return interface_.value<bool>(QStringLiteral("BluetoothBlocked"));
}

void DevicesState::authorize(const QString& deviceId, const QString& scope,
                             const QByteArray& interfaces) {
    interface_.userAction(devicePath(deviceId), qtName(names::iface::kDevice),
                          QStringLiteral("Authorize"), {scope, interfaces});
}
void DevicesState::block(const QString& deviceId, const QString& scope) {
    interface_.userAction(devicePath(deviceId), qtName(names::iface::kDevice),
                          QStringLiteral("Block"), {scope});
}
void DevicesState::setDefaultPolicy(const QString& policy) {
    interface_.userAction(QStringLiteral("SetDefaultPolicy"), {policy});
}
void DevicesState::setBluetoothBlocked(bool blocked) {
    interface_.userAction(QStringLiteral("SetBluetoothBlocked"), {blocked});
}
void DevicesState::allowAll(uint seconds) {
    interface_.userAction(QStringLiteral("AllowAll"), {seconds});
}

void DevicesState::listRules() {
    interface_.userQuery(QStringLiteral("ListRules"), {}, [this](const QDBusMessage& reply) {
        Q_EMIT rulesListed(qdbus_cast<MamoriRuleList>(reply.arguments().value(0)));
    });
}
void DevicesState::removeRule(const QString& name) {
    interface_.userAction(QStringLiteral("RemoveRule"), {name});
}

void DevicesState::onDeviceWaiting(const QDBusObjectPath& device) {
    const QString path = device.path();
    Q_EMIT deviceWaiting(path.mid(path.lastIndexOf(QLatin1Char('/')) + 1));
}

} // namespace mamori::gui
