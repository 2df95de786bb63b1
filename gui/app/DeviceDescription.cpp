#include "DeviceDescription.h"

#include "DeviceModel.h"

namespace mamori::gui {

namespace {

QString hex4(uint value) {
    return QStringLiteral("%1").arg(value, 4, 16, QLatin1Char('0'));
}

} // namespace

DeviceDescription describeDevice(const QModelIndex& row) {
    DeviceDescription d;
    d.deviceId = row.data(DeviceModel::IdRole).toString();
    d.name = row.data(DeviceModel::NameRole).toString();
    d.manufacturer = row.data(DeviceModel::ManufacturerRole).toString();
    d.ids = hex4(row.data(DeviceModel::VendorIdRole).toUInt()) + QLatin1Char(':') +
            hex4(row.data(DeviceModel::ProductIdRole).toUInt());
    d.serial = row.data(DeviceModel::SerialRole).toString();
    d.functions = row.data(DeviceModel::InterfaceWordsRole).toStringList();
    d.keyboardWithOthers = row.data(DeviceModel::KeyboardWithOthersRole).toBool();
    return d;
}

QString DeviceDescription::question() const {
    return tr("Allow the USB device “%1”?").arg(name);
}

QString DeviceDescription::details() const {
    QStringList lines;
    const QString maker = manufacturer.isEmpty() ? tr("unknown maker") : manufacturer;
    lines << tr("Made by: %1 (%2)").arg(maker, ids);
    lines << tr("It says it is: %1")
                 .arg(functions.isEmpty() ? tr("nothing known")
                                          : functions.join(QStringLiteral(", ")));
    if (!serial.isEmpty()) {
        lines << tr("Serial number: %1").arg(serial);
    }
    return lines.join(QLatin1Char('\n'));
}

QString DeviceDescription::warning() const {
    if (!keyboardWithOthers) {
        return {};
    }
    return tr("Warning: this device is a keyboard and also something else. A memory stick or a "
              "charger never needs to type; a device like this can type commands on its own. "
              "Block it unless you plugged in a keyboard you expect to have these functions.");
}

} // namespace mamori::gui
