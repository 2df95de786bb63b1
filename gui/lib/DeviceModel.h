// The USB devices the devices engine knows, one row each, from mamorid's ObjectManager
// (GetManagedObjects, kept current by InterfacesAdded / InterfacesRemoved and each device's
// PropertiesChanged): who made it, what it is in words, its state and what decided it.
// authorize() and block() are the Devices page's and the approval popup's buttons.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"

#include <QByteArray>
#include <QDBusMessage>
#include <QString>

namespace mamori::gui {

class DevicesState;
class ServiceWatcher;

struct DeviceInfo {
    QString id;
    ushort vendorId = 0;
    ushort productId = 0;
    QString product;
    QString manufacturer;
    QString serial; // masked by mamorid but for the last four characters
    QString port;
    MamoriInterfaceList interfaces;
    QString status;
    QString decidedBy;
    QString waitingReason;
    quint64 connectMicros = 0;
};

class DeviceModel : public RowListModel<DeviceInfo> {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        // The product name, else "vendor:product" in hex.
        NameRole,
        VendorIdRole,
        ProductIdRole,
        ManufacturerRole,
        SerialRole,
        PortRole,
        // QStringList: each interface in words ("keyboard", "storage").
        InterfaceWordsRole,
        // A keyboard next to other functions: what the popup warns about.
        KeyboardWithOthersRole,
        // MamoriInterfaceList: each interface's number, class codes and whether it is allowed
        // (the per-interface toggles).
        InterfacesRole,
        // names::device::kStatus*.
        StatusRole,
        DecidedByRole,
        WaitingReasonRole,
        ConnectTimeRole,
    };

    DeviceModel(ServiceWatcher& service, DevicesState& devices, QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Fetches every device again (asynchronously).
    void refresh();
    // The row of a device id; -1 when it is not (or no longer) there.
    int rowOf(const QString& deviceId) const;

    void authorize(int row, const QString& scope, const QByteArray& interfaces = {});
    void block(int row, const QString& scope);

private Q_SLOTS:
    void onObjectsChanged();
    void onPropertiesChanged(const QString& interface, const QVariantMap& changedValues,
                             const QStringList& invalidated, const QDBusMessage& message);

private:
    void onManagedObjects(const QDBusMessage& reply, quint64 generation);

    ServiceWatcher& service_;
    DevicesState& devices_;
    quint64 generation_ = 0;
};

} // namespace mamori::gui
