#include "dns/DnsGuard.h"

#include "common/UniqueFd.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"
#include "kernel/BpfSkeleton.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <ifaddrs.h>
#include <map>
#include <net/if.h>
#include <netinet/in.h>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <utility>

// The shared header needs __u8/__u32/__u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "dns_guard.h"
#include "dns_guard.skel.h"
// clang-format on

template <> struct mamori::kernel::SkeletonTraits<dns_guard> {
    static constexpr std::string_view name = "dns_guard";
    static dns_guard* open() { return dns_guard__open(); }
    static int load(dns_guard* skel) { return dns_guard__load(skel); }
    static void destroy(dns_guard* skel) { dns_guard__destroy(skel); }
};

namespace mamori::dns {

static_assert(DnsGuard::kMaxResolvers == DNS_GUARD_MAX_RESOLVERS);
static_assert(DNS_GUARD_AF_INET == AF_INET && DNS_GUARD_AF_INET6 == AF_INET6);
// The map key is hashed byte by byte: it must have no padding.
static_assert(sizeof(dns_guard_resolver_key) == 20);

namespace {

using Skeleton = kernel::BpfSkeleton<dns_guard>;
using ResolverKey = dns_guard_resolver_key;

bool sameKey(const ResolverKey& a, const ResolverKey& b) {
    return a.family == b.family && std::memcmp(a.address, b.address, sizeof a.address) == 0;
}

bool contains(const std::vector<ResolverKey>& keys, const ResolverKey& key) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const ResolverKey& other) { return sameKey(other, key); });
}

ResolverKey ipv4Key(const void* address) {
    ResolverKey key{};
    key.family = DNS_GUARD_AF_INET;
    std::memcpy(key.address, address, sizeof(in_addr));
    return key;
}

// A v4-mapped address is the IPv4 one on the wire: a dual-stack socket sends IPv4 packets.
ResolverKey ipv6Key(const in6_addr& address) {
    if (IN6_IS_ADDR_V4MAPPED(&address)) {
        return ipv4Key(&address.s6_addr[12]);
    }
    ResolverKey key{};
    key.family = DNS_GUARD_AF_INET6;
    std::memcpy(key.address, &address, sizeof address);
    return key;
}

// The literal as a message can show it: control bytes (a NUL would cut the text) as \xNN.
std::string printable(const std::string& literal) {
    std::string text;
    for (const char c : literal) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) {
            text += c;
            continue;
        }
        constexpr std::string_view digits = "0123456789abcdef";
        text += "\\x";
        text += digits[byte >> 4U];
        text += digits[byte & 0xfU];
    }
    return text;
}

// inet_pton() stops at a NUL, so "1.2.3.4\0junk" would otherwise pass as 1.2.3.4.
ResolverKey resolverKey(const std::string& literal) {
    if (literal.find('\0') == std::string::npos) {
        in_addr v4{};
        if (::inet_pton(AF_INET, literal.c_str(), &v4) == 1) {
            return ipv4Key(&v4);
        }
        in6_addr v6{};
        if (::inet_pton(AF_INET6, literal.c_str(), &v6) == 1) {
            return ipv6Key(v6);
        }
    }
    throw std::invalid_argument("resolver address \"" + printable(literal) +
                                "\" is not an IPv4 or IPv6 address");
}

std::vector<ResolverKey> resolverKeys(const std::vector<std::string>& addresses) {
    if (addresses.size() > DnsGuard::kMaxResolvers) {
        throw std::invalid_argument(std::to_string(addresses.size()) +
                                    " resolver addresses: the DNS guard holds at most " +
                                    std::to_string(DnsGuard::kMaxResolvers));
    }
    std::vector<ResolverKey> keys;
    keys.reserve(addresses.size());
    for (const auto& address : addresses) {
        keys.push_back(resolverKey(address));
    }
    return keys;
}

std::optional<ResolverKey> keyOfSocketAddress(const sockaddr* address) {
    if (address == nullptr) {
        return std::nullopt;
    }
    if (address->sa_family == AF_INET) {
        sockaddr_in v4{};
        std::memcpy(&v4, address, sizeof v4);
        return ipv4Key(&v4.sin_addr);
    }
    if (address->sa_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, address, sizeof v6);
        return ipv6Key(v6.sin6_addr);
    }
    return std::nullopt;
}

bool isLoopback(const ResolverKey& key) {
    if (key.family == DNS_GUARD_AF_INET) {
        return key.address[0] == 127;
    }
    constexpr std::array<std::uint8_t, 16> loopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(key.address, loopback6.data(), loopback6.size()) == 0;
}

// Where connect() on a UDP socket (which sends nothing) goes: to the resolver's DNS port.
socklen_t socketAddressOf(const ResolverKey& key, sockaddr_storage& out) {
    out = {};
    if (key.family == DNS_GUARD_AF_INET) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(DNS_GUARD_DNS_PORT);
        std::memcpy(&v4.sin_addr, key.address, sizeof v4.sin_addr);
        std::memcpy(&out, &v4, sizeof v4);
        return sizeof v4;
    }
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(DNS_GUARD_DNS_PORT);
    std::memcpy(&v6.sin6_addr, key.address, sizeof v6.sin6_addr);
    std::memcpy(&out, &v6, sizeof v6);
    return sizeof v6;
}

std::optional<std::string> interfaceWithAddress(const ResolverKey& address) {
    ifaddrs* raw = nullptr;
    if (::getifaddrs(&raw) != 0) {
        return std::nullopt;
    }
    const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> list(raw, &::freeifaddrs);
    for (const ifaddrs* entry = raw; entry != nullptr; entry = entry->ifa_next) {
        const auto key = keyOfSocketAddress(entry->ifa_addr);
        if (key && sameKey(*key, address)) {
            return std::string(entry->ifa_name);
        }
    }
    return std::nullopt;
}

// The kernel's route choice shows in the source address it picks for a connected UDP socket;
// the interface holding that address is the one the route goes through.
std::optional<std::string> interfaceTowards(const ResolverKey& resolver) {
    sockaddr_storage remote{};
    const socklen_t remoteLength = socketAddressOf(resolver, remote);
    const UniqueFd fd(::socket(remote.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), remoteLength) != 0) {
        return std::nullopt;
    }
    sockaddr_storage local{};
    socklen_t localLength = sizeof local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &localLength) != 0) {
        return std::nullopt;
    }
    const auto source = keyOfSocketAddress(reinterpret_cast<const sockaddr*>(&local));
    if (!source) {
        return std::nullopt;
    }
    // Traffic to this host's own addresses goes through lo, whichever interface holds them.
    if (isLoopback(*source) || sameKey(*source, resolver)) {
        return "lo";
    }
    return interfaceWithAddress(*source);
}

int possibleCpus() {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        throw kernel::BpfError("count possible CPUs (dns_guard)", -cpus);
    }
    return cpus;
}

std::string attachWhat(const std::string& interface) {
    return "attach XDP (dns_guard) to " + printable(interface);
}

} // namespace

struct DnsGuard::State {
    // Declared before the links so that they detach before the program goes away.
    Skeleton skel;
    std::map<std::string, kernel::BpfLink> links;
    // What the `resolvers` map holds, by slot (duplicates included).
    std::vector<ResolverKey> resolvers;

    bpf_map* resolverMap() const { return skel->maps.resolvers; }
    dns_guard_config& config() const { return skel->bss->guard_config; }

    // Every key in its first slot; the errno of the first failure, 0 when all went in.
    int putResolvers(const std::vector<ResolverKey>& keys) const {
        for (std::size_t slot = 0; slot < keys.size(); ++slot) {
            const auto first = std::find_if(keys.begin(), keys.end(), [&](const ResolverKey& key) {
                return sameKey(key, keys[slot]);
            });
            if (first != keys.begin() + static_cast<std::ptrdiff_t>(slot)) {
                continue;
            }
            const auto value = static_cast<__u32>(slot);
            const int rc = bpf_map__update_elem(resolverMap(), &keys[slot], sizeof keys[slot],
                                                &value, sizeof value, BPF_ANY);
            if (rc < 0) {
                return -rc;
            }
        }
        return 0;
    }

    // Deleting from a preallocated hash map fails only for a missing key, which is the goal.
    void removeResolversNotIn(const std::vector<ResolverKey>& stale,
                              const std::vector<ResolverKey>& keep) const {
        for (const auto& key : stale) {
            if (!contains(keep, key)) {
                bpf_map__delete_elem(resolverMap(), &key, sizeof key, 0);
            }
        }
    }

    void resetTraffic(__u32 slot, const std::vector<dns_guard_traffic>& zeros) const {
        kernel::throwIfNegative(bpf_map__update_elem(skel->maps.traffic, &slot, sizeof slot,
                                                     zeros.data(),
                                                     zeros.size() * sizeof(dns_guard_traffic), 0),
                                "reset traffic of slot " + std::to_string(slot) + " (dns_guard)");
    }
};

DnsGuard::DnsGuard()
    : state_(std::make_unique<State>()) {
    state_->skel = Skeleton::open();
    state_->skel.load();
    setEnabled(true);
}

DnsGuard::~DnsGuard() = default;
DnsGuard::DnsGuard(DnsGuard&&) noexcept = default;
DnsGuard& DnsGuard::operator=(DnsGuard&&) noexcept = default;

void DnsGuard::attach(const std::string& interface) {
    if (state_->links.contains(interface)) {
        return;
    }
    // if_nametoindex() would read "lo\0x" as "lo".
    const unsigned index =
        interface.find('\0') == std::string::npos ? ::if_nametoindex(interface.c_str()) : 0;
    if (index == 0) {
        throw kernel::BpfError(attachWhat(interface), ENODEV);
    }
    auto link = kernel::BpfLink::adopt(
        bpf_program__attach_xdp(state_->skel->progs.dns_guard, static_cast<int>(index)),
        attachWhat(interface));
    state_->links.emplace(interface, std::move(link));
}

bool DnsGuard::detach(const std::string& interface) {
    return state_->links.erase(interface) > 0;
}

std::vector<std::string> DnsGuard::attachedInterfaces() const {
    std::vector<std::string> names;
    names.reserve(state_->links.size());
    for (const auto& entry : state_->links) {
        names.push_back(entry.first);
    }
    return names;
}

// The program reads resolver_count and the map without a lock. The new entries go in before
// the stale ones go out, so a resolver in both lists is never missing; resolver_count turns
// the guard passive before an empty list removes the last entry.
void DnsGuard::setResolvers(const std::vector<std::string>& addresses) {
    std::vector<ResolverKey> keys = resolverKeys(addresses);
    State& state = *state_;
    const std::vector<ResolverKey> old = state.resolvers;
    if (keys.empty()) {
        state.config().resolver_count = 0;
    }
    if (const int error = state.putResolvers(keys); error != 0) {
        state.removeResolversNotIn(keys, old);
        state.putResolvers(old);
        state.config().resolver_count = static_cast<__u32>(old.size());
        throw kernel::BpfError("set resolvers (dns_guard)", error);
    }
    state.removeResolversNotIn(old, keys);
    state.config().resolver_count = static_cast<__u32>(keys.size());
    state.resolvers = std::move(keys);

    const std::vector<dns_guard_traffic> zeros(static_cast<std::size_t>(possibleCpus()));
    for (std::size_t slot = 0; slot < DNS_GUARD_MAX_RESOLVERS; ++slot) {
        const bool wasUsed = slot < old.size();
        const bool isUsed = slot < state.resolvers.size();
        if (wasUsed && (!isUsed || !sameKey(old[slot], state.resolvers[slot]))) {
            state.resetTraffic(static_cast<__u32>(slot), zeros);
        }
    }
}

std::vector<DnsGuard::ResolverTraffic> DnsGuard::traffic() const {
    std::vector<dns_guard_traffic> perCpu(static_cast<std::size_t>(possibleCpus()));
    std::vector<ResolverTraffic> result(state_->resolvers.size());
    for (__u32 slot = 0; slot < result.size(); ++slot) {
        kernel::throwIfNegative(bpf_map__lookup_elem(state_->skel->maps.traffic, &slot, sizeof slot,
                                                     perCpu.data(),
                                                     perCpu.size() * sizeof(dns_guard_traffic), 0),
                                "read traffic (dns_guard)");
        for (const auto& cpu : perCpu) {
            result[slot].packets += cpu.packets;
            result[slot].bytes += cpu.bytes;
        }
    }
    return result;
}

DnsGuard::Dropped DnsGuard::dropped() const {
    std::array<std::uint64_t, DNS_GUARD_CTR_COUNT> sums{};
    std::vector<__u64> perCpu(static_cast<std::size_t>(possibleCpus()));
    for (__u32 slot = 0; slot < DNS_GUARD_CTR_COUNT; ++slot) {
        kernel::throwIfNegative(bpf_map__lookup_elem(state_->skel->maps.counters, &slot,
                                                     sizeof slot, perCpu.data(),
                                                     perCpu.size() * sizeof(__u64), 0),
                                "read counters (dns_guard)");
        for (const __u64 value : perCpu) {
            sums.at(slot) += value;
        }
    }
    Dropped dropped;
    dropped.packets = sums[DNS_GUARD_CTR_DROPPED_PACKETS];
    dropped.bytes = sums[DNS_GUARD_CTR_DROPPED_BYTES];
    dropped.unknownTcpPackets = sums[DNS_GUARD_CTR_UNKNOWN_TCP];
    return dropped;
}

// .bss is mapped into this process: a plain store reaches the program's next packet.
void DnsGuard::setEnabled(bool enabled) {
    state_->config().enabled = enabled ? 1U : 0U;
}

bool DnsGuard::enabled() const noexcept {
    return state_->config().enabled != 0;
}

DnsGuard::Verdict DnsGuard::judge(std::span<const std::uint8_t> frame) {
    // Far above any frame the kernel accepts for a test run; keeps the size cast exact.
    constexpr std::size_t kMaxFrame = 0xffff;
    if (frame.size() > kMaxFrame) {
        throw kernel::BpfError(
            "test run (dns_guard) of a " + std::to_string(frame.size()) + "-byte frame", EINVAL);
    }
    bpf_test_run_opts options{};
    options.sz = sizeof options;
    options.data_in = frame.data();
    options.data_size_in = static_cast<__u32>(frame.size());
    options.repeat = 1;
    kernel::throwIfNegative(
        bpf_prog_test_run_opts(bpf_program__fd(state_->skel->progs.dns_guard), &options),
        "test run (dns_guard) of a " + std::to_string(frame.size()) + "-byte frame");
    switch (options.retval) {
    case XDP_PASS:
        return Verdict::Pass;
    case XDP_DROP:
        return Verdict::Drop;
    default:
        throw kernel::BpfError(
            "test run (dns_guard): unexpected verdict " + std::to_string(options.retval), EPROTO);
    }
}

std::vector<std::string> DnsGuard::interfacesTowards(const std::vector<std::string>& addresses) {
    std::vector<std::string> names;
    for (const auto& address : addresses) {
        const auto name = interfaceTowards(resolverKey(address));
        if (name && std::find(names.begin(), names.end(), *name) == names.end()) {
            names.push_back(*name);
        }
    }
    return names;
}

} // namespace mamori::dns
