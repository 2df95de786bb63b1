// The reference semantics of rules, evaluated in user space. The eBPF code generator must
// agree with this on every packet (the differential test checks it), so it stays plain:
//  - Payload numbers are little-endian loads of widthBits at the field's offset, then
//    `>> shift`, then `& mask` (mask 0 = none). Meta numbers are read from struct
//    lbm_packet_meta in host byte order (what a BPF load does).
//  - A slice [b:e] of a Bytes/String field is the bytes b..e-1; compared with a number it is
//    read big-endian (network order, like writing the bytes left to right).
//  - A comparison, membership or field comparison that reads a value that does not exist
//    (any byte outside the packet, a missing device attribute) is false; `!` of it is true.
#pragma once

#include "lbm/Ast.h"
#include "lbm/DeviceDescription.h"
#include "lbm/PacketMeta.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace mamori::lbm {

struct PacketVerdict {
    bool drop = false;
    // The rule that decided (index into RuleFile::rules); std::nullopt: none matched (allow).
    std::optional<std::size_t> ruleIndex;
};

class Interpreter {
public:
    // Device rules. `interface` is the interface an interface-level rule is evaluated for;
    // usb.interface.* fields read without one have no value.
    static bool matches(const Expr& expr, const DeviceDescription& device,
                        const InterfaceDescription* interface = nullptr);
    // Packet rules: meta is the context block, payload the packet bytes (data..data_end).
    static bool matches(const Expr& expr, const lbm_packet_meta& meta,
                        std::span<const uint8_t> payload);

    // What the kernel program does with a packet: the first matching `drop` or `allow` rule
    // in file order decides; `log` rules never decide; no match allows. (`ask` is rejected by
    // the TypeChecker for packet rules.) Rules of another packet subsystem than
    // `subsystem` and device rules are skipped.
    static PacketVerdict evaluatePacket(const RuleFile& file, Subsystem subsystem,
                                        const lbm_packet_meta& meta,
                                        std::span<const uint8_t> payload);
};

} // namespace mamori::lbm
