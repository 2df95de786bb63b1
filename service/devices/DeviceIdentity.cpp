#include "devices/DeviceIdentity.h"

#include "lbm/Printer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <openssl/evp.h>
#include <stdexcept>

namespace mamori::devices {
namespace {

constexpr std::size_t kNameHashDigits = 8;

std::string hex(uint64_t value, int digits) {
    std::array<char, 17> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%0*llx", digits,
                  static_cast<unsigned long long>(value));
    return buffer.data();
}

std::string quoted(const std::string& text) {
    return lbm::Printer::print(lbm::Literal{text});
}

} // namespace

std::string DeviceIdentity::idForSysName(std::string_view sysName) {
    std::string id = "usb_";
    for (const char c : sysName) {
        const bool plain =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        id += plain ? c : '_';
    }
    return id;
}

std::string DeviceIdentity::sha256Hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
        1) {
        throw std::runtime_error("SHA-256 failed");
    }
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex(digest.at(i), 2);
    }
    return out;
}

std::string DeviceIdentity::condition(const lbm::DeviceDescription& device, bool bindToPort) {
    std::string text = "usb.idVendor == 0x" + hex(device.idVendor, 4) + " && usb.idProduct == 0x" +
                       hex(device.idProduct, 4);
    if (device.serial) {
        text += " && usb.serial == " + quoted(*device.serial);
    }
    if (device.descriptorHash && !device.descriptorHash->empty()) {
        text += " && usb.descriptor_hash == " + quoted(*device.descriptorHash);
    }
    if (bindToPort) {
        text += " && usb.portpath == " + quoted(device.portPath);
    }
    return text;
}

std::string DeviceIdentity::ruleName(const lbm::DeviceDescription& device, bool bindToPort) {
    const std::string identity = condition(device, bindToPort);
    return "usb-" + hex(device.idVendor, 4) + "-" + hex(device.idProduct, 4) + "-" +
           sha256Hex(identity).substr(0, kNameHashDigits);
}

std::string DeviceIdentity::interfaceRuleName(const std::string& ruleName) {
    return ruleName + "-interfaces";
}

std::vector<std::string> DeviceIdentity::allowRules(const lbm::DeviceDescription& device,
                                                    const std::vector<uint8_t>& interfaces,
                                                    bool bindToPort) {
    const std::string name = ruleName(device, bindToPort);
    const std::string identity = condition(device, bindToPort);
    std::vector<std::string> rules;
    std::string off;
    for (const auto& interface : device.interfaces) {
        if (std::find(interfaces.begin(), interfaces.end(), interface.number) == interfaces.end()) {
            off += (off.empty() ? "" : ", ") + std::to_string(interface.number);
        }
    }
    if (!off.empty()) {
        rules.push_back("rule " + interfaceRuleName(name) + " drop { " + identity +
                        " && usb.interface.number in {" + off + "} }");
    }
    rules.push_back("rule " + name + " allow { " + identity + " }");
    return rules;
}

std::vector<std::string> DeviceIdentity::blockRules(const lbm::DeviceDescription& device,
                                                    bool bindToPort) {
    return {"rule " + ruleName(device, bindToPort) + " drop { " + condition(device, bindToPort) +
            " }"};
}

} // namespace mamori::devices
