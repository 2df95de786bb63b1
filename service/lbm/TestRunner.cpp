#include "lbm/TestRunner.h"

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <linux/bpf.h>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unistd.h>

namespace mamori::lbm {
namespace {

constexpr int kXdpAborted = 0;
constexpr int kXdpDrop = 1;
constexpr int kXdpPass = 2;

// XDP_PACKET_HEADROOM and the skb_shared_info tail the kernel reserves in the one page that
// BPF_PROG_TEST_RUN gives a non-fragmented XDP packet (an upper bound of the latter on x86-64).
constexpr size_t kXdpHeadroom = 256;
constexpr size_t kSharedInfoTail = 320;

} // namespace

size_t TestRunner::maxPayload() {
    const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return page - kXdpHeadroom - kSharedInfoTail - sizeof(lbm_packet_meta);
}

std::vector<uint8_t> TestRunner::frame(const lbm_packet_meta& meta,
                                       std::span<const uint8_t> payload) {
    lbm_packet_meta header = meta;
    header.len = static_cast<uint32_t>(payload.size());
    std::vector<uint8_t> packet(sizeof header + payload.size());
    std::memcpy(packet.data(), &header, sizeof header);
    if (!payload.empty()) {
        std::memcpy(packet.data() + sizeof header, payload.data(), payload.size());
    }
    return packet;
}

TestResult TestRunner::run(const lbm_packet_meta& meta, std::span<const uint8_t> payload,
                           uint32_t repeat) const {
    return run(frame(meta, payload), repeat);
}

TestResult TestRunner::run(std::span<const uint8_t> packet, uint32_t repeat) const {
    if (packet.size() < sizeof(lbm_packet_meta)) {
        throw std::invalid_argument("a harness packet starts with the " +
                                    std::to_string(sizeof(lbm_packet_meta)) +
                                    "-byte struct lbm_packet_meta");
    }
    if (packet.size() - sizeof(lbm_packet_meta) > maxPayload()) {
        throw std::invalid_argument(
            "payload of " + std::to_string(packet.size() - sizeof(lbm_packet_meta)) +
            " bytes; the XDP harness takes at most " + std::to_string(maxPayload()));
    }
    std::vector<uint8_t> out(packet.size() + 256);
    bpf_test_run_opts options{};
    options.sz = sizeof options;
    options.data_in = packet.data();
    options.data_size_in = static_cast<uint32_t>(packet.size());
    options.data_out = out.data();
    options.data_size_out = static_cast<uint32_t>(out.size());
    // libbpf declares repeat as int, the kernel reads it as __u32: the modular conversion
    // (defined since C++20) hands the kernel the same 32 bits.
    options.repeat = static_cast<int>(repeat);
    if (bpf_prog_test_run_opts(fd_, &options) != 0) {
        const int error = errno;
        throw std::system_error(error, std::generic_category(), "BPF_PROG_TEST_RUN");
    }
    TestResult result;
    result.averageNs = options.duration;
    if (options.retval == kXdpDrop || options.retval == kXdpPass) {
        result.verdict = options.retval == kXdpDrop ? Verdict::Drop : Verdict::Allow;
    } else if (options.retval == kXdpAborted) {
        throw std::runtime_error("the filter found the packet shorter than its metadata");
    } else {
        throw std::runtime_error("the filter returned " + std::to_string(options.retval) +
                                 ", neither drop nor allow");
    }
    lbm_packet_meta after{};
    std::memcpy(&after, out.data(), sizeof after);
    if (after.harness_rule != 0) {
        result.ruleIndex = after.harness_rule - 1;
    }
    return result;
}

} // namespace mamori::lbm
