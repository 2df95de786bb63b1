// The stable identity of a USB device and the rules that remember a decision about it. A
// device is known by vendor, product, serial (when it has one) and the hash of its
// descriptors — not by where it is plugged in, unless the config binds rules to the port —
// so that an "always" decision follows the device across ports and reboots (USBGuard's hashes
// that change with the port are a common complaint).
#pragma once

#include "lbm/DeviceDescription.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::devices {

class DeviceIdentity {
public:
    // "usb_" + sysfs name with '-' and '.' as '_': a valid D-Bus object path element.
    static std::string idForSysName(std::string_view sysName);
    // Lower-case hex SHA-256.
    static std::string sha256Hex(std::string_view bytes);

    // The condition that matches this device and no other, in rule-language syntax.
    static std::string condition(const lbm::DeviceDescription& device, bool bindToPort);
    // "usb-<vendor>-<product>-<8 hex digits of the identity>": the same device always gets
    // the same name, so a new decision replaces the old one.
    static std::string ruleName(const lbm::DeviceDescription& device, bool bindToPort);
    // The companion rule that keeps some interfaces of an allowed device off.
    static std::string interfaceRuleName(const std::string& ruleName);

    // Rules remembering "allow with these interfaces": an interface rule dropping every other
    // interface (first, so that it decides before the device rule fills the interfaces in),
    // then the device rule.
    static std::vector<std::string> allowRules(const lbm::DeviceDescription& device,
                                               const std::vector<uint8_t>& interfaces,
                                               bool bindToPort);
    static std::vector<std::string> blockRules(const lbm::DeviceDescription& device,
                                               bool bindToPort);
};

} // namespace mamori::devices
