// What the devices engine reads from sysfs about a USB device, in the shape the device-level
// rules need. Text attributes a device may lack are optional: a comparison that reads a
// missing attribute is false, exactly like a packet field outside the packet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mamori::lbm {

struct InterfaceDescription {
    uint8_t number = 0;
    uint8_t interfaceClass = 0;
    uint8_t interfaceSubClass = 0;
    uint8_t interfaceProtocol = 0;
    std::optional<std::string> driver;
};

struct DeviceDescription {
    uint16_t idVendor = 0;
    uint16_t idProduct = 0;
    uint16_t bcdDevice = 0;
    uint8_t bDeviceClass = 0;
    uint8_t bDeviceSubClass = 0;
    uint8_t bDeviceProtocol = 0;
    uint16_t bcdUSB = 0;
    uint8_t bNumConfigurations = 0;
    uint16_t busnum = 0;
    uint16_t devnum = 0;
    std::string portPath; // sysfs name without the bus prefix separator, e.g. "1-2.3"
    uint32_t speedMbps = 0;
    std::optional<std::string> serial;
    std::optional<std::string> product;
    std::optional<std::string> manufacturer;
    // Lower-case hex SHA-256 of the sysfs `descriptors` file: identifies a device model and
    // firmware independently of the port (what "always" rules bind to).
    std::optional<std::string> descriptorHash;
    std::vector<InterfaceDescription> interfaces;
};

// A field's value: Number fields give uint64_t, String fields std::string, NumberSet fields
// the elements.
using FieldValue = std::variant<uint64_t, std::string, std::vector<uint64_t>>;

// The value of a UsbDevice or UsbInterface field; std::nullopt when the attribute is missing
// or an interface field is read without an interface. Throws std::logic_error for a name
// that is not a device field (a bug: the field table and this accessor disagree).
std::optional<FieldValue> deviceFieldValue(std::string_view field, const DeviceDescription& device,
                                           const InterfaceDescription* interface);

} // namespace mamori::lbm
