#include "DeviceModel.h"

#include "DevicesState.h"
#include "InterfaceWords.h"
#include "QtNames.h"
#include "ServiceWatcher.h"

#include <QDBusArgument>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDateTime>
#include <QMap>
#include <QVariantMap>
#include <algorithm>

namespace mamori::gui {

namespace {

using InterfaceProperties = QMap<QString, QVariantMap>;

DeviceInfo deviceFrom(const QString& path, const QVariantMap& p) {
    DeviceInfo device;
    device.id = p.value(QStringLiteral("Id")).toString();
    if (device.id.isEmpty()) {
        device.id = path.mid(path.lastIndexOf(QLatin1Char('/')) + 1);
    }
    device.vendorId = static_cast<ushort>(p.value(QStringLiteral("IdVendor")).toUInt());
    device.productId = static_cast<ushort>(p.value(QStringLiteral("IdProduct")).toUInt());
    device.product = p.value(QStringLiteral("Product")).toString();
    device.manufacturer = p.value(QStringLiteral("Manufacturer")).toString();
    device.serial = p.value(QStringLiteral("Serial")).toString();
    device.port = p.value(QStringLiteral("Port")).toString();
    device.interfaces = qdbus_cast<MamoriInterfaceList>(p.value(QStringLiteral("Interfaces")));
    device.status = p.value(QStringLiteral("Status")).toString();
    device.decidedBy = p.value(QStringLiteral("DecidedBy")).toString();
    device.waitingReason = p.value(QStringLiteral("WaitingReason")).toString();
    device.connectMicros = p.value(QStringLiteral("ConnectTime")).toULongLong();
    return device;
}

QString hex4(ushort value) {
    return QStringLiteral("%1").arg(value, 4, 16, QLatin1Char('0'));
}

} // namespace

DeviceModel::DeviceModel(ServiceWatcher& service, DevicesState& devices, QObject* parent)
    : RowListModel(parent)
    , service_(service)
    , devices_(devices) {
    registerDbusTypes();
    QDBusConnection bus = service_.bus();
    const QString busName = qtName(names::kBusName);
    const QString root = qtName(names::kRootPath);
    const QString objectManager = qtName(names::iface::kObjectManager);
    bus.connect(busName, root, objectManager, QStringLiteral("InterfacesAdded"), this,
                SLOT(onObjectsChanged()));
    bus.connect(busName, root, objectManager, QStringLiteral("InterfacesRemoved"), this,
                SLOT(onObjectsChanged()));
    // Any path: the devices come and go; the message tells which object changed.
    bus.connect(busName, QString(), qtName(names::iface::kProperties),
                QStringLiteral("PropertiesChanged"), this,
                SLOT(onPropertiesChanged(QString, QVariantMap, QStringList, QDBusMessage)));
    connect(&service_, &ServiceWatcher::runningChanged, this, [this](bool running) {
        if (running) {
            refresh();
        } else {
            ++generation_;
            setRows({});
        }
    });
    if (service_.running()) {
        refresh();
    }
}

void DeviceModel::refresh() {
    const QDBusMessage message = QDBusMessage::createMethodCall(
        qtName(names::kBusName), qtName(names::kRootPath), qtName(names::iface::kObjectManager),
        QStringLiteral("GetManagedObjects"));
    const quint64 generation = ++generation_;
    auto* watcher = new QDBusPendingCallWatcher(service_.bus().asyncCall(message), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, generation](QDBusPendingCallWatcher* call) {
                call->deleteLater();
                onManagedObjects(call->reply(), generation);
            });
}

void DeviceModel::onManagedObjects(const QDBusMessage& reply, quint64 generation) {
    if (generation != generation_ || reply.type() != QDBusMessage::ReplyMessage ||
        reply.arguments().isEmpty()) {
        return; // stale, or the service went away (ServiceWatcher clears the rows)
    }
    const auto argument = reply.arguments().constFirst().value<QDBusArgument>();
    const QString device = qtName(names::iface::kDevice);
    QList<DeviceInfo> rows;
    argument.beginMap();
    while (!argument.atEnd()) {
        QDBusObjectPath path;
        InterfaceProperties interfaces;
        argument.beginMapEntry();
        argument >> path >> interfaces;
        argument.endMapEntry();
        if (interfaces.contains(device)) {
            rows << deviceFrom(path.path(), interfaces.value(device));
        }
    }
    argument.endMap();
    std::sort(rows.begin(), rows.end(),
              [](const DeviceInfo& a, const DeviceInfo& b) { return a.port < b.port; });
    setRows(rows);
}

void DeviceModel::onObjectsChanged() {
    refresh();
}

void DeviceModel::onPropertiesChanged(const QString& interface, const QVariantMap&,
                                      const QStringList&, const QDBusMessage& message) {
    if (interface == qtName(names::iface::kDevice) &&
        message.path().startsWith(qtName(names::kDevicesPath))) {
        refresh();
    }
}

int DeviceModel::rowOf(const QString& deviceId) const {
    for (int row = 0; row < rows().size(); ++row) {
        if (rows().at(row).id == deviceId) {
            return row;
        }
    }
    return -1;
}

QVariant DeviceModel::data(const QModelIndex& index, int role) const {
    const DeviceInfo* found = rowAt(index);
    if (found == nullptr) {
        return {};
    }
    const DeviceInfo& device = *found;
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return device.product.isEmpty()
                   ? hex4(device.vendorId) + QLatin1Char(':') + hex4(device.productId)
                   : device.product;
    case IdRole:
        return device.id;
    case VendorIdRole:
        return device.vendorId;
    case ProductIdRole:
        return device.productId;
    case ManufacturerRole:
        return device.manufacturer;
    case SerialRole:
        return device.serial;
    case PortRole:
        return device.port;
    case InterfaceWordsRole:
        return describeInterfaces(device.interfaces);
    case KeyboardWithOthersRole:
        return keyboardWithOtherFunctions(device.interfaces);
    case InterfacesRole:
        return QVariant::fromValue(device.interfaces);
    case StatusRole:
        return device.status;
    case DecidedByRole:
        return device.decidedBy;
    case WaitingReasonRole:
        return device.waitingReason;
    case ConnectTimeRole:
        return device.connectMicros == 0
                   ? QVariant()
                   : QVariant(QDateTime::fromMSecsSinceEpoch(qint64(device.connectMicros / 1000)));
    default:
        return {};
    }
}

QHash<int, QByteArray> DeviceModel::roleNames() const {
    return {{Qt::DisplayRole, "display"},
            {IdRole, "id"},
            {NameRole, "name"},
            {VendorIdRole, "vendorId"},
            {ProductIdRole, "productId"},
            {ManufacturerRole, "manufacturer"},
            {SerialRole, "serial"},
            {PortRole, "port"},
            {InterfaceWordsRole, "interfaceWords"},
            {KeyboardWithOthersRole, "keyboardWithOthers"},
            {InterfacesRole, "interfaces"},
            {StatusRole, "status"},
            {DecidedByRole, "decidedBy"},
            {WaitingReasonRole, "waitingReason"},
            {ConnectTimeRole, "connectTime"}};
}

void DeviceModel::authorize(int row, const QString& scope, const QByteArray& interfaces) {
    if (row >= 0 && row < rows().size()) {
        devices_.authorize(rows().at(row).id, scope, interfaces);
    }
}

void DeviceModel::block(int row, const QString& scope) {
    if (row >= 0 && row < rows().size()) {
        devices_.block(rows().at(row).id, scope);
    }
}

} // namespace mamori::gui
