// A USB interface in words a person understands ("keyboard", "storage"), from its class,
// subclass and protocol: what the approval popup and the Devices page show.
#pragma once

#include "DbusTypes.h"

#include <QString>
#include <QStringList>

namespace mamori::gui {

QString describeInterface(const InterfaceState& interface);
// Each interface's words, in interface order, without repeats.
QStringList describeInterfaces(const MamoriInterfaceList& interfaces);
// A HID boot keyboard next to anything that is not input (storage, network, ...): the shape
// of a BadUSB device, which the popup warns about.
bool keyboardWithOtherFunctions(const MamoriInterfaceList& interfaces);

} // namespace mamori::gui
