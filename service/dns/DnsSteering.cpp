#include "dns/DnsSteering.h"

#include "common/UniqueFd.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"
#include "kernel/BpfSkeleton.h"
#include "kernel/FeatureProbe.h"
#include "kernel/RingBufferReader.h"

#include <arpa/inet.h>
#include <array>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

// The shared header needs __u32/__u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "dns_steer.h"
#include "dns_steer.skel.h"
// clang-format on

template <> struct mamori::kernel::SkeletonTraits<dns_steer> {
    static constexpr std::string_view name = "dns_steer";
    static dns_steer* open() { return dns_steer__open(); }
    static int load(dns_steer* skel) { return dns_steer__load(skel); }
    static void destroy(dns_steer* skel) { dns_steer__destroy(skel); }
};

namespace mamori::dns {

static_assert(DnsSteering::kMaxCommLength + 1 == DNS_STEER_COMM_LEN);

namespace {

using Skeleton = kernel::BpfSkeleton<dns_steer>;

struct CommKey {
    std::array<char, DNS_STEER_COMM_LEN> name{};
};

CommKey commKey(std::string_view comm) {
    if (comm.empty() || comm.size() > DnsSteering::kMaxCommLength) {
        throw std::invalid_argument("comm: \"" + std::string(comm) +
                                    "\" is not a process name (1.." +
                                    std::to_string(DnsSteering::kMaxCommLength) + " bytes)");
    }
    CommKey key;
    std::memcpy(key.name.data(), comm.data(), comm.size());
    return key;
}

void requireAppIndex(std::uint16_t appIndex) {
    if (appIndex == DnsSteering::kUnknownApp) {
        throw std::invalid_argument("app index 0 is reserved for unknown apps");
    }
}

std::string steerError(std::string_view verb, std::string_view what) {
    std::string text(verb);
    text += ' ';
    text += what;
    text += " (dns_steer)";
    return text;
}

// The cookie of the calling process's network namespace: what bpf_get_netns_cookie() gives for
// a socket there. 0 (steer every namespace) where the kernel cannot tell (before 5.14).
std::uint64_t ownNetnsCookie() {
    const UniqueFd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    std::uint64_t cookie = 0;
    socklen_t length = sizeof(cookie);
    if (!socket || ::getsockopt(socket.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &length) != 0) {
        return 0;
    }
    return cookie;
}

} // namespace

struct DnsSteering::State {
    // Declared before the links so that they detach before the programs go away.
    Skeleton skel;
    std::vector<kernel::BpfLink> links;
    std::vector<std::string> dohEndpoints; // by slot
    std::optional<kernel::RingBufferReader> dohClients;
    std::vector<dns_steer_doh_client> dohClientsWaiting;
};

DnsSteering::DnsSteering(const std::filesystem::path& cgroup, std::uint16_t stubPort)
    : state_(std::make_unique<State>()) {
    if (stubPort == 0) {
        throw std::invalid_argument("stub port 0");
    }
    state_->skel = Skeleton::open();
    state_->skel.load();
    setExempt(ownCgroupId(), ::getpid());
    state_->skel->bss->steer_config.netns_cookie = ownNetnsCookie();
    setStubPort(stubPort);
    setEnabled(true);
    State* state = state_.get();
    state_->dohClients.emplace(bpf_map__fd(state_->skel->maps.doh_clients),
                               [state](std::span<const std::byte> record) {
                                   dns_steer_doh_client client{};
                                   if (record.size() == sizeof(client)) {
                                       std::memcpy(&client, record.data(), sizeof(client));
                                       state->dohClientsWaiting.push_back(client);
                                   }
                                   return 0;
                               });

    const UniqueFd dir(::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
        throw kernel::BpfError("open cgroup " + cgroup.string() + " for dns_steer", errno);
    }
    const auto& progs = state_->skel->progs;
    const std::array<std::pair<bpf_program*, std::string_view>, 8> programs{{
        {progs.dns_connect4, "cgroup/connect4"},
        {progs.dns_connect6, "cgroup/connect6"},
        {progs.dns_sendmsg4, "cgroup/sendmsg4"},
        {progs.dns_sendmsg6, "cgroup/sendmsg6"},
        {progs.dns_recvmsg4, "cgroup/recvmsg4"},
        {progs.dns_recvmsg6, "cgroup/recvmsg6"},
        {progs.dns_getpeername4, "cgroup/getpeername4"},
        {progs.dns_getpeername6, "cgroup/getpeername6"},
    }};
    for (const auto& [program, section] : programs) {
        state_->links.push_back(kernel::BpfLink::adopt(
            bpf_program__attach_cgroup(program, dir.get()),
            "attach " + std::string(section) + " (dns_steer) to " + cgroup.string()));
    }
}

DnsSteering::~DnsSteering() = default;
DnsSteering::DnsSteering(DnsSteering&&) noexcept = default;
DnsSteering& DnsSteering::operator=(DnsSteering&&) noexcept = default;

std::uint32_t DnsSteering::stubAddress(std::uint16_t appIndex) noexcept {
    return dns_steer_stub_ip4(appIndex);
}

std::string DnsSteering::stubAddressText(std::uint16_t appIndex) {
    const std::uint32_t address = stubAddress(appIndex);
    return std::to_string(address >> 24U) + '.' + std::to_string((address >> 16U) & 0xffU) + '.' +
           std::to_string((address >> 8U) & 0xffU) + '.' + std::to_string(address & 0xffU);
}

std::uint64_t DnsSteering::cgroupId(const std::filesystem::path& cgroup) {
    struct stat st {};
    if (::stat(cgroup.c_str(), &st) != 0) {
        throw kernel::BpfError("stat cgroup " + cgroup.string(), errno);
    }
    return st.st_ino;
}

std::filesystem::path DnsSteering::cgroupV2Mount() {
    std::ifstream mountinfo("/proc/self/mountinfo");
    const std::string text((std::istreambuf_iterator<char>(mountinfo)),
                           std::istreambuf_iterator<char>());
    std::string mount = kernel::cgroupV2MountFrom(text);
    if (mount.empty()) {
        throw kernel::BpfError("find the cgroup v2 mount in /proc/self/mountinfo", ENOENT);
    }
    return mount;
}

// /proc/self/cgroup's "0::<path>" line is our cgroup v2 path, relative to the unified mount
// (which is /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on hybrid ones).
std::uint64_t DnsSteering::ownCgroupId() {
    std::ifstream file("/proc/self/cgroup");
    for (std::string line; std::getline(file, line);) {
        if (line.rfind("0::", 0) == 0) {
            return cgroupId(cgroupV2Mount() /
                            std::filesystem::path(line.substr(3)).relative_path());
        }
    }
    throw kernel::BpfError("find the cgroup v2 path in /proc/self/cgroup", ENOENT);
}

void DnsSteering::setApp(std::uint64_t cgroupId, std::uint16_t appIndex) {
    requireAppIndex(appIndex);
    const __u64 key = cgroupId;
    const __u32 value = appIndex;
    kernel::throwIfNegative(bpf_map__update_elem(state_->skel->maps.app_of_cgroup, &key, sizeof key,
                                                 &value, sizeof value, BPF_ANY),
                            steerError("set app of cgroup", std::to_string(cgroupId)));
}

bool DnsSteering::removeApp(std::uint64_t cgroupId) {
    const __u64 key = cgroupId;
    return bpf_map__delete_elem(state_->skel->maps.app_of_cgroup, &key, sizeof key, 0) == 0;
}

void DnsSteering::setCommFallback(std::string_view comm, std::uint16_t appIndex) {
    requireAppIndex(appIndex);
    const CommKey key = commKey(comm);
    const __u32 value = appIndex;
    kernel::throwIfNegative(bpf_map__update_elem(state_->skel->maps.app_of_comm, key.name.data(),
                                                 key.name.size(), &value, sizeof value, BPF_ANY),
                            steerError("set app of comm", comm));
}

bool DnsSteering::removeCommFallback(std::string_view comm) {
    const CommKey key = commKey(comm);
    return bpf_map__delete_elem(state_->skel->maps.app_of_comm, key.name.data(), key.name.size(),
                                0) == 0;
}

// .bss is mapped into this process: plain stores reach the programs, which read each field
// once per call, so a half-updated config is at worst one query with the old port.
void DnsSteering::setStubPort(std::uint16_t stubPort) {
    if (stubPort == 0) {
        throw std::invalid_argument("stub port 0");
    }
    state_->skel->bss->steer_config.stub_port = stubPort;
}

std::uint16_t DnsSteering::stubPort() const noexcept {
    return static_cast<std::uint16_t>(state_->skel->bss->steer_config.stub_port);
}

void DnsSteering::setEnabled(bool enabled) {
    state_->skel->bss->steer_config.enabled = enabled ? 1U : 0U;
}

void DnsSteering::setExempt(std::uint64_t cgroupId, pid_t tgid) {
    state_->skel->bss->steer_config.exempt_cgroup = cgroupId;
    state_->skel->bss->steer_config.exempt_tgid = static_cast<__u32>(tgid);
}

namespace {

// The map key of an address literal; std::invalid_argument naming it otherwise.
dns_steer_endpoint endpointKey(const std::string& literal) {
    dns_steer_endpoint key{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, literal.c_str(), &key.addr[0]) == 1) {
        key.family = DNS_STEER_AF_INET;
        return key;
    }
    if (::inet_pton(AF_INET6, literal.c_str(), &v6) != 1) {
        throw std::invalid_argument("DoH endpoint '" + literal + "' is not an IP address");
    }
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        key.family = DNS_STEER_AF_INET;
        std::memcpy(&key.addr[0], &v6.s6_addr[12], 4);
        return key;
    }
    key.family = DNS_STEER_AF_INET6;
    std::memcpy(key.addr, v6.s6_addr, sizeof key.addr);
    return key;
}

} // namespace

void DnsSteering::setDohEndpoints(const std::vector<std::string>& addresses) {
    if (addresses.size() > DNS_STEER_MAX_DOH_ENDPOINTS) {
        throw std::invalid_argument("more than " + std::to_string(DNS_STEER_MAX_DOH_ENDPOINTS) +
                                    " DoH endpoints");
    }
    std::vector<dns_steer_endpoint> keys;
    keys.reserve(addresses.size());
    for (const auto& address : addresses) {
        keys.push_back(endpointKey(address)); // all checked before the map changes
    }
    auto* map = state_->skel->maps.doh_endpoints;
    for (const auto& old : state_->dohEndpoints) {
        const auto key = endpointKey(old);
        bpf_map__delete_elem(map, &key, sizeof key, 0);
    }
    state_->dohEndpoints.clear();
    for (std::size_t slot = 0; slot < keys.size(); ++slot) {
        const auto value = static_cast<__u32>(slot);
        kernel::throwIfNegative(bpf_map__update_elem(map, &keys[slot], sizeof keys[slot], &value,
                                                     sizeof value, BPF_ANY),
                                steerError("set DoH endpoint", addresses[slot]));
        state_->dohEndpoints.push_back(addresses[slot]);
    }
}

std::vector<DnsSteering::DohConnections> DnsSteering::dohConnections() const {
    std::vector<DohConnections> out;
    auto* map = state_->skel->maps.doh_connects;
    dns_steer_doh_key key{};
    dns_steer_doh_key next{};
    const void* previous = nullptr;
    while (bpf_map__get_next_key(map, previous, &next, sizeof next) == 0) {
        key = next;
        previous = &key;
        __u64 connections = 0;
        if (bpf_map__lookup_elem(map, &key, sizeof key, &connections, sizeof connections, 0) != 0 ||
            key.endpoint >= state_->dohEndpoints.size() || key.app_index > 0xffffU) {
            continue;
        }
        out.push_back({static_cast<std::uint16_t>(key.app_index),
                       state_->dohEndpoints[key.endpoint], connections});
    }
    return out;
}

int DnsSteering::dohClientsFd() const {
    return state_->dohClients->fd();
}

void DnsSteering::consumeDohClients(
    const std::function<void(pid_t, const std::string&)>& onClient) {
    state_->dohClients->consume();
    for (const auto& client : std::exchange(state_->dohClientsWaiting, {})) {
        // A slot whose endpoint was replaced meanwhile still was a DoH server; which one is
        // unknown then.
        const std::string endpoint = client.endpoint < state_->dohEndpoints.size()
                                         ? state_->dohEndpoints[client.endpoint]
                                         : std::string();
        onClient(static_cast<pid_t>(client.tgid), endpoint);
    }
}

DnsSteering::Counters DnsSteering::counters() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        throw kernel::BpfError("count possible CPUs (dns_steer)", -cpus);
    }
    std::array<std::uint64_t, DNS_STEER_CTR_COUNT> sums{};
    std::vector<__u64> perCpu(static_cast<std::size_t>(cpus));
    for (__u32 slot = 0; slot < DNS_STEER_CTR_COUNT; ++slot) {
        kernel::throwIfNegative(bpf_map__lookup_elem(state_->skel->maps.counters, &slot,
                                                     sizeof slot, perCpu.data(),
                                                     perCpu.size() * sizeof(__u64), 0),
                                "read counters (dns_steer)");
        for (const __u64 value : perCpu) {
            sums.at(slot) += value;
        }
    }
    Counters counters;
    counters.connect4 = sums[DNS_STEER_CTR_CONNECT4];
    counters.connect6 = sums[DNS_STEER_CTR_CONNECT6];
    counters.sendmsg4 = sums[DNS_STEER_CTR_SENDMSG4];
    counters.sendmsg6 = sums[DNS_STEER_CTR_SENDMSG6];
    counters.recvmsgRewrites = sums[DNS_STEER_CTR_RECVMSG];
    counters.getpeernameRewrites = sums[DNS_STEER_CTR_GETPEERNAME];
    counters.v6onlyUnsteered = sums[DNS_STEER_CTR_V6ONLY];
    counters.unknownApp = sums[DNS_STEER_CTR_UNKNOWN];
    return counters;
}

} // namespace mamori::dns
