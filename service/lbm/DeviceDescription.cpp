#include "lbm/DeviceDescription.h"

#include <array>
#include <stdexcept>
#include <string>

namespace mamori::lbm {
namespace {

using Value = std::optional<FieldValue>;
using Accessor = Value (*)(const DeviceDescription&, const InterfaceDescription*);

Value number(uint64_t value) {
    return FieldValue{value};
}

Value text(const std::optional<std::string>& value) {
    if (!value) {
        return std::nullopt;
    }
    return FieldValue{*value};
}

Value interfaceClasses(const DeviceDescription& d, const InterfaceDescription*) {
    std::vector<uint64_t> classes;
    for (const auto& interface : d.interfaces) {
        classes.push_back(interface.interfaceClass);
    }
    return FieldValue{std::move(classes)};
}

struct Entry {
    std::string_view name;
    Accessor read;
};

// One accessor per UsbDevice/UsbInterface field of the table in Fields.cpp; a unit test checks
// that the two lists name the same fields.
const std::array kAccessors = {
    Entry{"usb.idVendor", [](const DeviceDescription& d,
                             const InterfaceDescription*) { return number(d.idVendor); }},
    Entry{"usb.idProduct", [](const DeviceDescription& d,
                              const InterfaceDescription*) { return number(d.idProduct); }},
    Entry{"usb.bcdDevice", [](const DeviceDescription& d,
                              const InterfaceDescription*) { return number(d.bcdDevice); }},
    Entry{"usb.bDeviceClass", [](const DeviceDescription& d,
                                 const InterfaceDescription*) { return number(d.bDeviceClass); }},
    Entry{"usb.bDeviceSubClass",
          [](const DeviceDescription& d, const InterfaceDescription*) {
              return number(d.bDeviceSubClass);
          }},
    Entry{"usb.bDeviceProtocol",
          [](const DeviceDescription& d, const InterfaceDescription*) {
              return number(d.bDeviceProtocol);
          }},
    Entry{"usb.bcdUSB",
          [](const DeviceDescription& d, const InterfaceDescription*) { return number(d.bcdUSB); }},
    Entry{"usb.bNumConfigurations",
          [](const DeviceDescription& d, const InterfaceDescription*) {
              return number(d.bNumConfigurations);
          }},
    Entry{"usb.busnum",
          [](const DeviceDescription& d, const InterfaceDescription*) { return number(d.busnum); }},
    Entry{"usb.devnum",
          [](const DeviceDescription& d, const InterfaceDescription*) { return number(d.devnum); }},
    Entry{"usb.portpath",
          [](const DeviceDescription& d, const InterfaceDescription*) -> Value {
              return FieldValue{d.portPath};
          }},
    Entry{"usb.speed", [](const DeviceDescription& d,
                          const InterfaceDescription*) { return number(d.speedMbps); }},
    Entry{"usb.serial",
          [](const DeviceDescription& d, const InterfaceDescription*) { return text(d.serial); }},
    Entry{"usb.product",
          [](const DeviceDescription& d, const InterfaceDescription*) { return text(d.product); }},
    Entry{"usb.manufacturer", [](const DeviceDescription& d,
                                 const InterfaceDescription*) { return text(d.manufacturer); }},
    Entry{"usb.descriptor_hash",
          [](const DeviceDescription& d, const InterfaceDescription*) {
              return text(d.descriptorHash);
          }},
    Entry{"usb.interface_classes", interfaceClasses},
    Entry{"usb.interface_count",
          [](const DeviceDescription& d, const InterfaceDescription*) {
              return number(d.interfaces.size());
          }},
    Entry{"usb.interface.number",
          [](const DeviceDescription&, const InterfaceDescription* i) {
              return i == nullptr ? Value{} : number(i->number);
          }},
    Entry{"usb.interface.class",
          [](const DeviceDescription&, const InterfaceDescription* i) {
              return i == nullptr ? Value{} : number(i->interfaceClass);
          }},
    Entry{"usb.interface.subclass",
          [](const DeviceDescription&, const InterfaceDescription* i) {
              return i == nullptr ? Value{} : number(i->interfaceSubClass);
          }},
    Entry{"usb.interface.protocol",
          [](const DeviceDescription&, const InterfaceDescription* i) {
              return i == nullptr ? Value{} : number(i->interfaceProtocol);
          }},
    Entry{"usb.interface.driver",
          [](const DeviceDescription&, const InterfaceDescription* i) {
              return i == nullptr ? Value{} : text(i->driver);
          }},
};

} // namespace

std::optional<FieldValue> deviceFieldValue(std::string_view field, const DeviceDescription& device,
                                           const InterfaceDescription* interface) {
    for (const auto& entry : kAccessors) {
        if (entry.name == field) {
            return entry.read(device, interface);
        }
    }
    throw std::logic_error("no device accessor for field '" + std::string(field) + "'");
}

} // namespace mamori::lbm
