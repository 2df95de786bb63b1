// A device asking for approval in words a person can judge: who made it, what it says it is,
// what it can do ("keyboard", "storage") and the warning when a keyboard comes with something
// else (the BadUSB shape). Shared by the notification and the fallback dialog.
#pragma once

#include <QCoreApplication>
#include <QModelIndex>
#include <QString>
#include <QStringList>

namespace mamori::gui {

struct DeviceDescription {
    Q_DECLARE_TR_FUNCTIONS(DeviceDescription)

public:
    QString deviceId;
    QString name;
    QString manufacturer;
    QString ids; // "0781:5567"
    QString serial;
    QStringList functions;
    bool keyboardWithOthers = false;

    // The notification's summary: "Allow “Cruzer Blade”?".
    QString question() const;
    // Lines under it: maker and ids, functions, port.
    QString details() const;
    // Empty unless the device is a keyboard next to other functions.
    QString warning() const;
};

// From a row of DeviceModel.
DeviceDescription describeDevice(const QModelIndex& row);

} // namespace mamori::gui
