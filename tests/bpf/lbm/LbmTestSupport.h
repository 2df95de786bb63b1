// Shared helpers of the rule-language kernel tests: rule text to a checked tree, a loaded
// XDP-harness filter, and hand-built USB / HCI / L2CAP packets.
#pragma once

#include "common/UniqueFd.h"
#include "lbm/Ast.h"
#include "lbm/CodeGenerator.h"
#include "lbm/ConstantFolder.h"
#include "lbm/PacketMeta.h"
#include "lbm/Parser.h"
#include "lbm/ProgramLoader.h"
#include "lbm/TestRunner.h"
#include "lbm/TypeChecker.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <vector>

#define MAMORI_REQUIRE_ROOT()                                                                      \
    do {                                                                                           \
        if (geteuid() != 0) {                                                                      \
            GTEST_SKIP() << "needs root: BPF_PROG_LOAD and BPF_PROG_TEST_RUN of XDP programs";     \
        }                                                                                          \
    } while (0)

namespace mamori::lbm::test {

// Parsed, type-checked and folded, as mamorictl does it.
inline RuleFile rules(const std::string& text) {
    RuleFile file = Parser::parse(text, "<test>", ParseOptions{.loadInclude = {}});
    TypeChecker::check(file);
    ConstantFolder::fold(file);
    return file;
}

// A filter compiled for the XDP harness and loaded into the kernel.
struct LoadedFilter {
    Program program;
    UniqueFd fd;

    explicit LoadedFilter(const RuleFile& file)
        : program(CodeGenerator(Target::XdpHarness).compile(file))
        , fd(ProgramLoader::load(program)) {}

    TestResult run(const lbm_packet_meta& meta, const std::vector<uint8_t>& payload) const {
        return TestRunner(fd.get()).run(meta, payload);
    }
};

inline lbm_packet_meta metaFor(uint32_t subsystem) {
    lbm_packet_meta meta{};
    meta.subsystem = subsystem;
    return meta;
}

inline void appendLe16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value & 0xff));
    out.push_back(static_cast<uint8_t>(value >> 8));
}

// An L2CAP signalling frame (CID 1): basic header, command header, command data.
inline std::vector<uint8_t> l2capSignal(uint8_t code, uint8_t id,
                                        const std::vector<uint8_t>& data) {
    std::vector<uint8_t> frame;
    appendLe16(frame, static_cast<uint16_t>(4 + data.size())); // basic header: length
    appendLe16(frame, 1);                                      // CID 1: signalling
    frame.push_back(code);
    frame.push_back(id);
    appendLe16(frame, static_cast<uint16_t>(data.size()));
    frame.insert(frame.end(), data.begin(), data.end());
    return frame;
}

// Configuration response (code 0x05): scid, flags, result, then `optionBytes` of options.
inline std::vector<uint8_t> configResponse(uint16_t result, size_t optionBytes) {
    std::vector<uint8_t> data;
    appendLe16(data, 0x0040); // scid
    appendLe16(data, 0);      // flags
    appendLe16(data, result);
    for (size_t i = 0; i < optionBytes; ++i) {
        data.push_back(static_cast<uint8_t>(i % 2 == 0 ? 0x01 : 0x02)); // MTU option pieces
    }
    return l2capSignal(0x05, 0x07, data);
}

// An HCI event frame after the H:4 type byte: code, parameter length, parameters.
inline std::vector<uint8_t> hciEvent(uint8_t code, uint8_t announced, size_t actual) {
    std::vector<uint8_t> frame{code, announced};
    frame.resize(2 + actual, 0xaa);
    return frame;
}

inline lbm_packet_meta hciMeta(uint32_t type) {
    lbm_packet_meta meta = metaFor(LBM_SUBSYS_BT_HCI);
    meta.bt_hci_type = type;
    return meta;
}

// A control URB with the given setup packet.
inline lbm_packet_meta controlUrb(std::initializer_list<uint8_t> setup) {
    lbm_packet_meta meta = metaFor(LBM_SUBSYS_USB_URB);
    meta.usb_transfer_type = 0;
    size_t i = 0;
    for (const uint8_t byte : setup) {
        meta.usb_setup[i++] = byte;
    }
    return meta;
}

} // namespace mamori::lbm::test
