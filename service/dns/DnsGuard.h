// The XDP guard against off-path DNS spoofing: loads bpf/dns_guard.bpf.c and attaches it to
// the interfaces that face the upstream resolvers (interfacesTowards() finds them). On those,
// a UDP DNS answer (source port 53) whose source is not a configured resolver is dropped; an
// answer from a configured resolver is counted in that resolver's slot (its index in
// setResolvers()); a TCP answer (source port 53 or 853) from anyone else passes and is counted
// as unknown. Everything else passes untouched, and nothing is dropped while the guard is
// disabled or no resolver is configured. Detaches in the destructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mamori::dns {

class DnsGuard {
public:
    // Slots of the traffic counters: at most this many resolvers.
    static constexpr std::size_t kMaxResolvers = 64;

    struct ResolverTraffic {
        std::uint64_t packets = 0;
        // Whole Ethernet frames as the guard saw them (headers included).
        std::uint64_t bytes = 0;
    };

    struct Dropped {
        // UDP answers from sources that are no configured resolver.
        std::uint64_t packets = 0;
        std::uint64_t bytes = 0;
        // TCP answers from such sources: passed (the TCP stack rejects blind spoofing).
        std::uint64_t unknownTcpPackets = 0;
    };

    enum class Verdict { Pass, Drop };

    // Loads the program, enabled, with no resolvers (so dropping nothing) and attached
    // nowhere. Throws kernel::BpfError ("load BPF skeleton dns_guard failed: ...").
    DnsGuard();
    ~DnsGuard();
    DnsGuard(DnsGuard&&) noexcept;
    DnsGuard& operator=(DnsGuard&&) noexcept;
    DnsGuard(const DnsGuard&) = delete;
    DnsGuard& operator=(const DnsGuard&) = delete;

    // Attaches to the ingress of `interface` through a BPF link; the kernel picks native or
    // generic XDP. Nothing happens when it is already attached there. Throws kernel::BpfError
    // naming the interface and the reason ("attach XDP (dns_guard) to nonexistent0 failed: No
    // such device"; EBUSY when another XDP program holds the interface).
    void attach(const std::string& interface);
    // false when the guard was not attached to `interface`.
    bool detach(const std::string& interface);
    // Sorted by name.
    std::vector<std::string> attachedInterfaces() const;

    // The resolvers whose answers are let through, as IPv4 or IPv6 literals; the index of each
    // is its traffic slot. Replaces the previous list as a whole: std::invalid_argument naming
    // the bad literal, or for more than kMaxResolvers, and nothing changes. A v4-mapped IPv6
    // literal stands for its IPv4 address. An address listed twice is counted in its first
    // slot. A slot's counters restart when its address changes.
    void setResolvers(const std::vector<std::string>& addresses);
    // One entry per resolver of the last setResolvers(), summed over all CPUs.
    std::vector<ResolverTraffic> traffic() const;
    Dropped dropped() const;

    // Off: every packet passes and nothing is counted.
    void setEnabled(bool enabled);
    bool enabled() const noexcept;

    // What the guard does with one Ethernet frame, decided by the loaded program in the kernel
    // (BPF_PROG_TEST_RUN) and counted as if the frame had arrived: for tests and self-checks.
    // Throws kernel::BpfError (EINVAL for frames shorter than an Ethernet header, which the
    // kernel does not run programs on).
    Verdict judge(std::span<const std::uint8_t> frame);

    // The interfaces the given resolver addresses are routed through ("lo" for loopback and
    // this host's own addresses), each once, in the order first needed; addresses without a
    // route are skipped. std::invalid_argument for a literal that is no address.
    static std::vector<std::string> interfacesTowards(const std::vector<std::string>& addresses);

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace mamori::dns
