// USB and Bluetooth protection as the tray and settings window see them:
// org.mamori.Mamori1.Devices's properties, the DeviceWaiting signal (a device asks for the
// user's decision), and the changes a user can make, per device (Authorize, Block) and as a
// whole (default policy, Bluetooth, the allow-all window). Asynchronous (RemoteInterface).
#pragma once

#include "DbusTypes.h"
#include "RemoteInterface.h"

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QString>

namespace mamori::gui {

class ServiceWatcher;

class DevicesState : public QObject {
    Q_OBJECT
public:
    explicit DevicesState(ServiceWatcher& service, QObject* parent = nullptr);

    void refresh() { interface_.refresh(); }
    bool loaded() const { return interface_.loaded(); }

    // "allow", "ask" or "block".
    QString defaultPolicy() const;
    bool enforcing() const;
    // Invalid while no allow-all window is open.
    QDateTime allowAllUntil() const;
    bool bluetoothBlocked() const;

    // Changes the user asked for; the outcome comes as actionSucceeded / actionFailed with the
    // method's name. `scope`: names::device::kScopeOnce or kScopeAlways; `interfaces`: the
    // interface numbers to authorize, empty for all.
    void authorize(const QString& deviceId, const QString& scope, const QByteArray& interfaces);
    void block(const QString& deviceId, const QString& scope);
    void setDefaultPolicy(const QString& policy);
    void setBluetoothBlocked(bool blocked);
    void allowAll(uint seconds);
    // The remembered decisions and rules (polkit: devices.manage), as rulesListed; forgetting
    // one by name lists them again.
    void listRules();
    void removeRule(const QString& name);

    static QString devicePath(const QString& deviceId);

Q_SIGNALS:
    void changed();
    void actionSucceeded(const QString& action);
    void actionFailed(const QString& action, const QString& message);
    // A device began waiting for the user's decision (its id, as DeviceModel's IdRole).
    void deviceWaiting(const QString& deviceId);
    void rulesListed(const MamoriRuleList& rules);

private Q_SLOTS:
    void onDeviceWaiting(const QDBusObjectPath& device);

private:
    RemoteInterface interface_;
};

} // namespace mamori::gui
