// Reading and writing the USB attributes in sysfs. Everything here is plain file I/O on
// /sys (umockdev redirects it in tests); values are parsed the way the kernel prints them
// (ids and classes in hex without "0x", bus and device numbers in decimal, `version` as " 2.00").
#pragma once

#include "lbm/DeviceDescription.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace mamori::devices {

class UsbSysfs {
public:
    // The attribute's content without trailing whitespace; std::nullopt when it cannot be read.
    static std::optional<std::string> read(const std::filesystem::path& node,
                                           const std::string& attribute);
    // Raw bytes (the binary `descriptors` file); std::nullopt when it cannot be read.
    static std::optional<std::string> readBytes(const std::filesystem::path& file);
    // Throws std::system_error carrying errno (ENOENT/ENODEV when the device vanished).
    static void write(const std::filesystem::path& node, const std::string& attribute,
                      const std::string& value);

    // Root hubs ("usb1", "usb2", ...) under /sys/bus/usb/devices, as real paths.
    static std::vector<std::filesystem::path> rootHubs();
    static bool isRootHub(const std::filesystem::path& node);
    static bool isInterface(const std::filesystem::path& node);

    // Everything the rules read. Throws std::system_error(ENODEV) when the node has no
    // idVendor (it vanished, or is not a USB device). Interfaces: the device's interface
    // nodes, completed from the raw descriptors for interfaces that have no node (yet).
    static lbm::DeviceDescription readDevice(const std::filesystem::path& node);
    static std::optional<lbm::InterfaceDescription>
    readInterface(const std::filesystem::path& node);
    // Interface nodes of a device by bInterfaceNumber.
    static std::map<uint8_t, std::filesystem::path>
    interfaceNodes(const std::filesystem::path& device);
    // How many interface nodes will appear: bNumInterfaces of the active configuration; 0
    // when none is active (an unauthorized device has no interface nodes until authorized, so
    // its interfaces come from the raw descriptors).
    static std::size_t expectedInterfaceCount(const std::filesystem::path& device);
    // The alternate-setting-0 interfaces of the first configuration in a raw descriptor blob.
    static std::vector<lbm::InterfaceDescription> parseInterfaces(const std::string& descriptors);
    // `authorized` as a bool; std::nullopt when missing or neither "0" nor "1".
    static std::optional<bool> authorized(const std::filesystem::path& node);
};

} // namespace mamori::devices
