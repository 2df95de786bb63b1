// Per-app DNS steering in the kernel: loads bpf/dns_steer.bpf.c and attaches its cgroup
// sock_addr programs (connect4/6, sendmsg4/6, recvmsg4/6, getpeername4/6) to one cgroup v2
// directory: the root /sys/fs/cgroup in mamorid, a temporary child in tests, so that only
// processes below it are affected. From then on every DNS query (destination port 53, UDP or
// TCP) of a process below it goes to the local stub at 127.53.H.L:<stubPort>, (H << 8 | L)
// being the app's index (stubAddress()); the reply seems to come from the resolver the app
// asked. mamorid itself (the constructing process: its cgroup and pid) is never steered.
//
// Limits (kernel side): an IPV6_V6ONLY socket cannot reach the IPv4 stub and an unconnected
// IPv6 sendto() cannot be rewritten to a v4-mapped address (the kernel refuses that); both
// are left alone and counted as v6onlyUnsteered. Only the process's own cgroup is looked up:
// a process in a child cgroup of an app scope is that child's (usually unknown) app.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace mamori::dns {

class DnsSteering {
public:
    // Index 0 is "no app known": such queries are steered too, to 127.53.0.0.
    static constexpr std::uint16_t kUnknownApp = 0;
    // Longest process name the comm fallback can match (TASK_COMM_LEN - 1).
    static constexpr std::size_t kMaxCommLength = 15;

    struct Counters {
        std::uint64_t connect4 = 0;
        std::uint64_t connect6 = 0;
        std::uint64_t sendmsg4 = 0;
        std::uint64_t sendmsg6 = 0;
        // Replies whose source was put back to the resolver the app asked.
        std::uint64_t recvmsgRewrites = 0;
        std::uint64_t getpeernameRewrites = 0;
        // IPv6 queries that could not be steered (see the header comment).
        std::uint64_t v6onlyUnsteered = 0;
        // Steered queries of processes with no app (index 0).
        std::uint64_t unknownApp = 0;
    };

    // Loads, attaches to `cgroup` and enables steering to `stubPort` (non-zero). Throws
    // kernel::BpfError naming the program and the reason ("attach cgroup/connect4
    // (dns_steer) to /sys/fs/cgroup: Operation not permitted"). Detaches in the destructor.
    DnsSteering(const std::filesystem::path& cgroup, std::uint16_t stubPort);
    ~DnsSteering();
    DnsSteering(DnsSteering&&) noexcept;
    DnsSteering& operator=(DnsSteering&&) noexcept;
    DnsSteering(const DnsSteering&) = delete;
    DnsSteering& operator=(const DnsSteering&) = delete;

    // The stub address an app index stands for, host byte order (127.53.H.L), and as text.
    static std::uint32_t stubAddress(std::uint16_t appIndex) noexcept;
    static std::string stubAddressText(std::uint16_t appIndex);
    // The cgroup v2 id of a cgroup directory (its inode number). Throws kernel::BpfError.
    static std::uint64_t cgroupId(const std::filesystem::path& cgroup);
    // Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid
    // systems. Throws kernel::BpfError when it is not mounted.
    static std::filesystem::path cgroupV2Mount();
    // The calling process's own cgroup v2 id.
    static std::uint64_t ownCgroupId();

    // Queries of processes in cgroup `cgroupId` go to app `appIndex` (1..65535) from their
    // next connect()/sendto() on; already connected sockets keep their stub address.
    // kernel::BpfError when the map is full (65536 cgroups); std::invalid_argument for index 0.
    void setApp(std::uint64_t cgroupId, std::uint16_t appIndex);
    // false when the cgroup had no app.
    bool removeApp(std::uint64_t cgroupId);
    // The weak fallback for processes whose cgroup has no app: by process name (comm, at most
    // kMaxCommLength bytes; std::invalid_argument otherwise).
    void setCommFallback(std::string_view comm, std::uint16_t appIndex);
    bool removeCommFallback(std::string_view comm);

    // New steered queries go to this port (non-zero: std::invalid_argument).
    void setStubPort(std::uint16_t stubPort);
    std::uint16_t stubPort() const noexcept;
    // Off: no new query is steered (replies to sockets steered earlier still get their source
    // put back).
    void setEnabled(bool enabled);
    // Whose DNS is never steered: by default the constructing process (mamorid, which sends
    // its upstream queries to port 53 itself). 0 clears either.
    void setExempt(std::uint64_t cgroupId, pid_t tgid);

    // Summed over all CPUs.
    Counters counters() const;

    // TCP connections to port 443 of known DNS-over-HTTPS servers, per app: how DoH is seen in
    // apps whose TLS the DoH monitor cannot read. setDohEndpoints replaces the list (IPv4 or
    // IPv6 literals, at most 256; std::invalid_argument naming a bad one, nothing changed).
    struct DohConnections {
        std::uint16_t appIndex = 0;
        std::string endpoint;
        std::uint64_t connections = 0;
    };
    void setDohEndpoints(const std::vector<std::string>& addresses);
    std::vector<DohConnections> dohConnections() const;

    // Processes that connected to port 443 of a DoH endpoint, as they connect (in any network
    // namespace): readable while reports wait; consumeDohClients() hands over each process id
    // and the endpoint's address (a process once per connection). Reports past the ring's 4096
    // are lost.
    int dohClientsFd() const;
    void consumeDohClients(const std::function<void(pid_t, const std::string&)>& onClient);

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace mamori::dns
