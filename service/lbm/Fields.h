// Every field the rule language knows: its name, which subsystem it belongs to, its type, and
// where its value comes from. The one table (Fields.cpp) is used by the type checker, the
// interpreter, the eBPF code generator and the reference documentation, so a field is added in
// exactly one place.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mamori::lbm {

// A rule talks about one subsystem. Device rules are evaluated in user space when a device is
// plugged in; packet rules are compiled to eBPF and run on each URB / HCI frame / L2CAP frame.
enum class Subsystem {
    UsbDevice,    // usb.*            (device attributes from sysfs)
    UsbInterface, // usb.interface.*  (one interface of a device; decides for that interface)
    UsbUrb,       // usb.urb.*        (packet)
    BtHci,        // bt.hci.*         (packet)
    BtL2cap,      // bt.l2cap.*       (packet)
};

bool isPacketSubsystem(Subsystem subsystem);

// The packet subsystems' codes in struct lbm_packet_meta (bpf/lbm_packet.h): 0 for device
// subsystems, which never reach a packet filter; std::nullopt for an unknown code.
uint32_t packetSubsystemCode(Subsystem subsystem);
std::optional<Subsystem> subsystemFromPacketCode(uint32_t code);

enum class FieldType {
    Number,    // unsigned, `widthBits` wide
    String,    // device text attributes (serial, product, ...); sliceable
    Bytes,     // packet bytes (payload, setup packet); sliceable, compared as big-endian numbers
               // when a slice is at most 8 bytes long, or with a "\xNN" string of the same length
    NumberSet, // device-level only: e.g. the classes of all interfaces; used with `in`-style
               // `has` semantics by the interpreter (see docs/lbm-language.md)
};

// Where a packet field's value is read from, for the interpreter and the code generator.
enum class FieldSource {
    Device,       // user space only: an attribute of the device description
    Meta,         // the packet metadata block (bpf/lbm_packet.h), at `offset`, `widthBits` wide
    Payload,      // the packet bytes at `offset`, `widthBits` wide, little-endian (USB/BT order),
                  // then `>> shift` and `& mask` (mask 0 = none)
    PayloadBytes, // the packet bytes from `offset` to the end (Bytes fields)
};

struct FieldInfo {
    std::string_view name; // e.g. "bt.l2cap.sig.cmd.code"
    Subsystem subsystem;
    FieldType type;
    uint32_t widthBits; // Number fields: 8, 16, 32 or 64
    FieldSource source;
    uint32_t offset;      // Meta/Payload/PayloadBytes: byte offset
    uint32_t shift;       // Payload: right shift after loading
    uint64_t mask;        // Payload: mask after shifting; 0 = whole value
    std::string_view doc; // one line for the reference
};

std::span<const FieldInfo> allFields();
const FieldInfo* findField(std::string_view name);

} // namespace mamori::lbm
