// Runs a loaded XDP-harness filter on one packet with BPF_PROG_TEST_RUN: the verdict, the rule
// that decided (from meta.harness_rule in the returned packet) and the kernel's average run
// time over `repeat` runs.
#pragma once

#include "lbm/PacketMeta.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace mamori::lbm {

enum class Verdict { Allow, Drop };

struct TestResult {
    Verdict verdict = Verdict::Allow;
    std::optional<size_t> ruleIndex; // into RuleFile::rules; nullopt: no rule matched
    uint32_t averageNs = 0;          // per run, as BPF_PROG_TEST_RUN measured it
};

class TestRunner {
public:
    // The program must stay loaded while the runner is used.
    explicit TestRunner(int programFd)
        : fd_(programFd) {}

    // `packet` is what the harness expects: struct lbm_packet_meta, then the payload.
    // Throws std::system_error when the kernel refuses the run, std::runtime_error when the
    // program returned something other than drop/allow.
    TestResult run(std::span<const uint8_t> packet, uint32_t repeat = 1) const;
    TestResult run(const lbm_packet_meta& meta, std::span<const uint8_t> payload,
                   uint32_t repeat = 1) const;

    // meta followed by payload, with meta.len set to the payload length.
    static std::vector<uint8_t> frame(const lbm_packet_meta& meta,
                                      std::span<const uint8_t> payload);

    // The largest payload the XDP harness takes in one linear buffer on this machine.
    static size_t maxPayload();

private:
    int fd_;
};

} // namespace mamori::lbm
