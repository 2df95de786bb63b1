// Shared helpers of the rule-language unit tests: parse-and-check shortcuts and hand-built
// packets.
#pragma once

#include "lbm/DeviceDescription.h"
#include "lbm/Interpreter.h"
#include "lbm/Parser.h"
#include "lbm/TypeChecker.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mamori::lbm::test {

inline ExprPtr checkedExpr(const std::string& text) {
    ExprPtr expr = Parser::parseExpression(text);
    TypeChecker::checkExpression(*expr);
    return expr;
}

inline RuleFile checkedFile(const std::string& text) {
    RuleFile file = Parser::parse(text, "test.rules");
    TypeChecker::check(file);
    return file;
}

// Includes served from memory, keyed by the resolved path.
inline ParseOptions memoryIncludes(const std::map<std::string, std::string>& files) {
    ParseOptions options;
    options.loadInclude = [files](const std::filesystem::path& path) -> std::optional<std::string> {
        const auto it = files.find(path.string());
        if (it == files.end()) {
            return std::nullopt;
        }
        return it->second;
    };
    return options;
}

struct Packet {
    lbm_packet_meta meta{};
    std::vector<uint8_t> bytes;
};

inline void putLe16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value & 0xff));
    out.push_back(static_cast<uint8_t>(value >> 8));
}

inline Packet hciEvent(uint8_t code, uint8_t announced, std::size_t parameterBytes) {
    Packet p;
    p.meta.subsystem = LBM_SUBSYS_BT_HCI;
    p.meta.bt_hci_type = 4;
    p.bytes = {code, announced};
    p.bytes.resize(2 + parameterBytes, 0xee);
    p.meta.len = static_cast<__u32>(p.bytes.size());
    return p;
}

inline Packet hciCommand(uint16_t ogf, uint16_t ocf, uint8_t parameterLength) {
    Packet p;
    p.meta.subsystem = LBM_SUBSYS_BT_HCI;
    p.meta.bt_hci_type = 1;
    putLe16(p.bytes, static_cast<uint16_t>((ogf << 10) | ocf));
    p.bytes.push_back(parameterLength);
    p.bytes.resize(3 + parameterLength, 0);
    p.meta.len = static_cast<__u32>(p.bytes.size());
    return p;
}

inline Packet hciAcl(uint16_t handle, uint8_t flags, uint16_t length) {
    Packet p;
    p.meta.subsystem = LBM_SUBSYS_BT_HCI;
    p.meta.bt_hci_type = 2;
    putLe16(p.bytes, static_cast<uint16_t>((flags << 12) | handle));
    putLe16(p.bytes, length);
    p.bytes.resize(4 + length, 0);
    p.meta.len = static_cast<__u32>(p.bytes.size());
    return p;
}

// An L2CAP frame on CID 1 carrying one signalling command with `data`.
inline Packet l2capSignal(uint8_t code, uint8_t id, const std::vector<uint8_t>& data) {
    Packet p;
    p.meta.subsystem = LBM_SUBSYS_BT_L2CAP;
    putLe16(p.bytes, static_cast<uint16_t>(4 + data.size())); // basic header: length
    putLe16(p.bytes, 0x0001);                                 // basic header: CID
    p.bytes.push_back(code);
    p.bytes.push_back(id);
    putLe16(p.bytes, static_cast<uint16_t>(data.size()));
    p.bytes.insert(p.bytes.end(), data.begin(), data.end());
    p.meta.len = static_cast<__u32>(p.bytes.size());
    return p;
}

// Configuration response: scid, flags, result, then `optionBytes` bytes of options.
inline Packet l2capConfigResponse(uint16_t result, std::size_t optionBytes) {
    std::vector<uint8_t> data;
    putLe16(data, 0x0040); // scid
    putLe16(data, 0x0000); // flags
    putLe16(data, result);
    for (std::size_t i = 0; i < optionBytes; ++i) {
        data.push_back(static_cast<uint8_t>(i % 2 == 0 ? 0x01 : 0x02));
    }
    return l2capSignal(0x05, 0x07, data);
}

inline Packet usbControl(const std::vector<uint8_t>& setup, const std::vector<uint8_t>& data) {
    Packet p;
    p.meta.subsystem = LBM_SUBSYS_USB_URB;
    p.meta.usb_transfer_type = 0;
    p.meta.usb_id_vendor = 0x1234;
    p.meta.usb_id_product = 0x5678;
    for (std::size_t i = 0; i < setup.size() && i < 8; ++i) {
        p.meta.usb_setup[i] = setup[i];
    }
    p.bytes = data;
    p.meta.len = static_cast<__u32>(data.size());
    p.meta.usb_actual_length = static_cast<__u32>(data.size());
    return p;
}

inline bool matches(const std::string& expr, const Packet& packet) {
    return Interpreter::matches(*checkedExpr(expr), packet.meta, packet.bytes);
}

inline InterfaceDescription usbInterface(uint8_t number, uint8_t cls, uint8_t sub = 0,
                                         uint8_t proto = 0) {
    InterfaceDescription i;
    i.number = number;
    i.interfaceClass = cls;
    i.interfaceSubClass = sub;
    i.interfaceProtocol = proto;
    return i;
}

inline DeviceDescription keyboard(uint16_t vendor, uint16_t product,
                                  std::optional<std::string> serial) {
    DeviceDescription d;
    d.idVendor = vendor;
    d.idProduct = product;
    d.serial = std::move(serial);
    d.portPath = "1-2";
    d.speedMbps = 12;
    d.interfaces = {usbInterface(0, 3, 1, 1)};
    return d;
}

} // namespace mamori::lbm::test
