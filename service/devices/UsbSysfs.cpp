#include "devices/UsbSysfs.h"

#include "common/UniqueFd.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <unistd.h>

namespace mamori::devices {
namespace {

namespace fs = std::filesystem;

constexpr uint8_t kConfigDescriptor = 2;
constexpr uint8_t kInterfaceDescriptor = 4;
constexpr std::size_t kDeviceDescriptorLength = 18;
constexpr std::size_t kConfigHeaderLength = 9;
constexpr std::size_t kInterfaceDescriptorLength = 9;
constexpr std::size_t kReadChunk = 4096;

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\n");
    const auto last = text.find_last_not_of(" \t\n");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

uint64_t parseNumber(const std::optional<std::string>& text, int base) {
    uint64_t value = 0;
    if (text) {
        std::from_chars(text->data(), text->data() + text->size(), value, base);
    }
    return value;
}

template <typename T> T hexAttribute(const fs::path& node, const std::string& name) {
    return static_cast<T>(parseNumber(UsbSysfs::read(node, name), 16));
}

template <typename T> T decimalAttribute(const fs::path& node, const std::string& name) {
    return static_cast<T>(parseNumber(UsbSysfs::read(node, name), 10));
}

// `version` reads " 2.00" or " 3.10": major.minor as BCD, like bcdUSB.
uint16_t bcdVersion(const fs::path& node) {
    const auto text = UsbSysfs::read(node, "version");
    if (!text) {
        return 0;
    }
    const auto dot = text->find('.');
    const uint64_t major = parseNumber(text->substr(0, dot), 16);
    const uint64_t minor = dot == std::string::npos ? 0 : parseNumber(text->substr(dot + 1), 16);
    return static_cast<uint16_t>((major << 8U) | (minor & 0xffU));
}

// Merges interfaces found only in the descriptors into those with a sysfs node.
void completeInterfaces(std::vector<lbm::InterfaceDescription>& interfaces,
                        const std::vector<lbm::InterfaceDescription>& fromDescriptors) {
    for (const auto& candidate : fromDescriptors) {
        const bool known = std::any_of(interfaces.begin(), interfaces.end(),
                                       [&](const auto& i) { return i.number == candidate.number; });
        if (!known) {
            interfaces.push_back(candidate);
        }
    }
    std::sort(interfaces.begin(), interfaces.end(),
              [](const auto& a, const auto& b) { return a.number < b.number; });
}

} // namespace

std::optional<std::string> UsbSysfs::read(const fs::path& node, const std::string& attribute) {
    auto bytes = readBytes(node / attribute);
    if (!bytes) {
        return std::nullopt;
    }
    return trim(*bytes);
}

std::optional<std::string> UsbSysfs::readBytes(const fs::path& file) {
    // Plain read(2): a sysfs attribute that cannot be read (vanished device, a directory in
    // its place) must be "no value", never an empty string.
    const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    std::string content;
    std::array<char, kReadChunk> buffer{};
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0) {
            return std::nullopt;
        }
        if (n == 0) {
            return content;
        }
        content.append(buffer.data(), static_cast<std::size_t>(n));
    }
}

void UsbSysfs::write(const fs::path& node, const std::string& attribute, const std::string& value) {
    const fs::path path = node / attribute;
    // No O_CREAT: a vanished device must fail with ENOENT, not grow a stray file.
    const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "open " + path.string());
    }
    const ssize_t written = ::write(fd.get(), value.data(), value.size());
    if (written != static_cast<ssize_t>(value.size())) {
        throw std::system_error(written < 0 ? errno : EIO, std::generic_category(),
                                "write " + path.string());
    }
}

std::vector<fs::path> UsbSysfs::rootHubs() {
    std::vector<fs::path> hubs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/sys/bus/usb/devices", ec)) {
        if (isRootHub(entry.path())) {
            hubs.push_back(fs::canonical(entry.path(), ec));
        }
    }
    std::sort(hubs.begin(), hubs.end());
    return hubs;
}

bool UsbSysfs::isRootHub(const fs::path& node) {
    const std::string name = node.filename().string();
    return name.size() > 3 && name.compare(0, 3, "usb") == 0 &&
           std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool UsbSysfs::isInterface(const fs::path& node) {
    return node.filename().string().find(':') != std::string::npos;
}

lbm::DeviceDescription UsbSysfs::readDevice(const fs::path& node) {
    lbm::DeviceDescription d;
    if (!read(node, "idVendor")) {
        throw std::system_error(ENODEV, std::generic_category(), "read " + node.string());
    }
    d.idVendor = hexAttribute<uint16_t>(node, "idVendor");
    d.idProduct = hexAttribute<uint16_t>(node, "idProduct");
    d.bcdDevice = hexAttribute<uint16_t>(node, "bcdDevice");
    d.bDeviceClass = hexAttribute<uint8_t>(node, "bDeviceClass");
    d.bDeviceSubClass = hexAttribute<uint8_t>(node, "bDeviceSubClass");
    d.bDeviceProtocol = hexAttribute<uint8_t>(node, "bDeviceProtocol");
    d.bcdUSB = bcdVersion(node);
    d.bNumConfigurations = decimalAttribute<uint8_t>(node, "bNumConfigurations");
    d.busnum = decimalAttribute<uint16_t>(node, "busnum");
    d.devnum = decimalAttribute<uint16_t>(node, "devnum");
    d.portPath = node.filename().string();
    d.speedMbps = decimalAttribute<uint32_t>(node, "speed"); // "1.5" (low speed) reads 1
    d.serial = read(node, "serial");
    d.product = read(node, "product");
    d.manufacturer = read(node, "manufacturer");
    for (const auto& [number, path] : interfaceNodes(node)) {
        if (auto interface = readInterface(path)) {
            d.interfaces.push_back(std::move(*interface));
        }
    }
    if (const auto descriptors = readBytes(node / "descriptors")) {
        completeInterfaces(d.interfaces, parseInterfaces(*descriptors));
    }
    return d;
}

std::optional<lbm::InterfaceDescription> UsbSysfs::readInterface(const fs::path& node) {
    if (!read(node, "bInterfaceNumber")) {
        return std::nullopt;
    }
    lbm::InterfaceDescription i;
    i.number = hexAttribute<uint8_t>(node, "bInterfaceNumber");
    i.interfaceClass = hexAttribute<uint8_t>(node, "bInterfaceClass");
    i.interfaceSubClass = hexAttribute<uint8_t>(node, "bInterfaceSubClass");
    i.interfaceProtocol = hexAttribute<uint8_t>(node, "bInterfaceProtocol");
    std::error_code ec;
    const fs::path driver = fs::read_symlink(node / "driver", ec);
    if (!ec) {
        i.driver = driver.filename().string();
    }
    return i;
}

std::map<uint8_t, fs::path> UsbSysfs::interfaceNodes(const fs::path& device) {
    std::map<uint8_t, fs::path> nodes;
    const std::string prefix = device.filename().string() + ":";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(device, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.compare(0, prefix.size(), prefix) == 0 && read(entry.path(), "bInterfaceNumber")) {
            nodes.emplace(hexAttribute<uint8_t>(entry.path(), "bInterfaceNumber"), entry.path());
        }
    }
    return nodes;
}

std::size_t UsbSysfs::expectedInterfaceCount(const fs::path& device) {
    return decimalAttribute<std::size_t>(device, "bNumInterfaces");
}

std::vector<lbm::InterfaceDescription> UsbSysfs::parseInterfaces(const std::string& descriptors) {
    std::vector<lbm::InterfaceDescription> interfaces;
    const auto byte = [&](std::size_t at) { return static_cast<uint8_t>(descriptors[at]); };
    std::size_t at = kDeviceDescriptorLength;
    if (descriptors.size() < at + kConfigHeaderLength || byte(at + 1) != kConfigDescriptor) {
        return interfaces;
    }
    const std::size_t total = byte(at + 2) | (static_cast<std::size_t>(byte(at + 3)) << 8U);
    const std::size_t end = std::min(descriptors.size(), at + total);
    while (at + 2 <= end && byte(at) >= 2) {
        const std::size_t length = byte(at);
        if (byte(at + 1) == kInterfaceDescriptor && length >= kInterfaceDescriptorLength &&
            at + length <= end && byte(at + 3) == 0) {
            interfaces.push_back({byte(at + 2), byte(at + 5), byte(at + 6), byte(at + 7), {}});
        }
        at += length;
    }
    return interfaces;
}

std::optional<bool> UsbSysfs::authorized(const fs::path& node) {
    const auto value = read(node, "authorized");
    if (value == "0" || value == "1") {
        return *value == "1";
    }
    return std::nullopt;
}

} // namespace mamori::devices
