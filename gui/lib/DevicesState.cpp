#include "DevicesState.h"

#include "DbusTypes.h"
#include "QtNames.h"
#include "ServiceWatcher.h"

#include <QDBusObjectPath>

namespace mamori::gui {

DevicesState::DevicesState(ServiceWatcher& service, QObject* parent)
    : QObject(parent)
    , service_(service)
    , interface_(service, qtName(names::kRootPath), qtName(names::iface::kDevices)) {
    registerDbusTypes();
    connect(&interface_, &RemoteInterface::changed, this, &DevicesState::changed);
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
    userAction(devicePath(deviceId), qtName(names::iface::kDevice), QStringLiteral("Authorize"),
               {scope, interfaces});
}
void DevicesState::block(const QString& deviceId, const QString& scope) {
    userAction(devicePath(deviceId), qtName(names::iface::kDevice), QStringLiteral("Block"),
               {scope});
}
void DevicesState::setDefaultPolicy(const QString& policy) {
    userAction(interface_.path(), qtName(names::iface::kDevices),
               QStringLiteral("SetDefaultPolicy"), {policy});
}
void DevicesState::setBluetoothBlocked(bool blocked) {
    userAction(interface_.path(), qtName(names::iface::kDevices),
               QStringLiteral("SetBluetoothBlocked"), {blocked});
}
void DevicesState::allowAll(uint seconds) {
    userAction(interface_.path(), qtName(names::iface::kDevices), QStringLiteral("AllowAll"),
               {seconds});
}

void DevicesState::userAction(const QString& path, const QString& interface, const QString& method,
                              const QVariantList& arguments) {
    callMamori(service_.bus(), path, interface, method, arguments, CallMode::UserAction, this,
               [this, method](const QString& error) {
                   if (!error.isEmpty()) {
                       Q_EMIT actionFailed(method, error);
                       return;
                   }
                   interface_.refresh();
                   Q_EMIT actionSucceeded(method);
               });
}

void DevicesState::onDeviceWaiting(const QDBusObjectPath& device) {
    const QString path = device.path();
    Q_EMIT deviceWaiting(path.mid(path.lastIndexOf(QLatin1Char('/')) + 1));
}

} // namespace mamori::gui
