// The probes that load one program of feature_probe.bpf.c each and, where attaching or running it
// can fail separately from loading, attach or run it too.
#include "LibbpfLogCapture.h"
#include "ProbeSkeleton.h"
#include "ProbeSupport.h"
#include "TempCgroup.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"

#include <array>
#include <bpf/bpf.h>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mamori::kernel::probe {

ProbeSkeleton openWithOnly(std::string_view program) {
    auto skel = ProbeSkeleton::open();
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj) {
        bpf_program__set_autoload(prog, program == bpf_program__name(prog));
    }
    return skel;
}

namespace {

// BPF_PROG_TEST_RUN needs at least an Ethernet header's worth of packet for skb and XDP programs.
std::uint32_t testRunOnce(const bpf_program* prog) {
    std::array<std::uint8_t, 64> packet{};
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = packet.data();
    opts.data_size_in = packet.size();
    opts.repeat = 1;
    throwIfNegative(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), "BPF_PROG_TEST_RUN");
    return opts.retval;
}

std::string unexpectedRetval(std::uint32_t got, std::uint32_t wanted) {
    return "test run returned " + std::to_string(got) + " instead of " + std::to_string(wanted);
}

// Runs in a forked child, so only async-signal-safe calls: join the cgroup, then connect() a
// UDP socket, which runs connect4 hooks without sending a packet.
[[noreturn]] void connectFromInside(const char* procsPath) {
    const int procs = ::open(procsPath, O_WRONLY | O_CLOEXEC);
    if (procs < 0 || ::write(procs, "0", 1) != 1) {
        ::_exit(1);
    }
    const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in discard{};
    discard.sin_family = AF_INET;
    discard.sin_port = htons(9);
    discard.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool connected = sock >= 0 && ::connect(sock, reinterpret_cast<const sockaddr*>(&discard),
                                                  sizeof(discard)) == 0;
    ::_exit(connected ? 0 : 2);
}

bool childConnectedInside(const std::string& cgroupPath) {
    const std::string procsPath = cgroupPath + "/cgroup.procs";
    const pid_t child = ::fork();
    if (child < 0) {
        const int error = errno;
        throw BpfError("fork", error);
    }
    if (child == 0) {
        connectFromInside(procsPath.c_str());
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

FeatureResult probeXdp(const Environment& /*env*/) {
    if (auto missing = missingPrivileges({Privilege::Bpf, Privilege::NetAdmin}); !missing.empty()) {
        return unavailable(missing);
    }
    auto skel = openWithOnly("probe_xdp");
    skel.load();
    const auto retval = testRunOnce(skel->progs.probe_xdp);
    if (retval != XDP_PASS) {
        return unavailable("XDP program loaded but its " + unexpectedRetval(retval, XDP_PASS));
    }
    return available("loaded an XDP program and ran it once with BPF_PROG_TEST_RUN");
}

FeatureResult probeProgTestRun(const Environment& /*env*/) {
    if (auto missing = missingPrivileges({Privilege::Bpf}); !missing.empty()) {
        return unavailable(missing);
    }
    auto skel = openWithOnly("probe_socket_filter");
    skel.load();
    const auto retval = testRunOnce(skel->progs.probe_socket_filter);
    if (retval != FEATURE_PROBE_SOCKET_RETVAL) {
        return unavailable("socket filter " +
                           unexpectedRetval(retval, FEATURE_PROBE_SOCKET_RETVAL));
    }
    return available("BPF_PROG_TEST_RUN of a socket filter returned the expected value");
}

FeatureResult probeTpBtf(const Environment& /*env*/) {
    if (auto missing = missingPrivileges({Privilege::Bpf, Privilege::Perfmon}); !missing.empty()) {
        return unavailable(missing);
    }
    auto skel = openWithOnly("probe_tp_btf");
    skel.load();
    const auto link =
        BpfLink::adopt(bpf_program__attach(skel->progs.probe_tp_btf), "attach tp_btf/sys_enter");
    return available("loaded and attached tp_btf/sys_enter");
}

FeatureResult probeCgroupSockAddr(const Environment& env) {
    if (auto missing = missingPrivileges({Privilege::Bpf, Privilege::NetAdmin}); !missing.empty()) {
        return unavailable(missing);
    }
    if (env.cgroupV2Mount.empty()) {
        return unavailable("no cgroup v2 hierarchy is mounted (cgroup2 missing from mountinfo)");
    }
    // Declared before the skeleton and link so that it is removed after they are gone.
    const TempCgroup cgroup(env.cgroupV2Mount);
    auto skel = openWithOnly("probe_connect4");
    skel.load();
    // Built before the attach call so that its allocation cannot clobber the attach's errno.
    const std::string step = "attach cgroup/connect4 to " + cgroup.path();
    const auto link =
        BpfLink::adopt(bpf_program__attach_cgroup(skel->progs.probe_connect4, cgroup.fd()), step);
    if (!childConnectedInside(cgroup.path())) {
        return unavailable(
            "attached cgroup/connect4 but a process in that cgroup could not connect");
    }
    if (skel->bss->counters.connect4_calls == 0) {
        return unavailable("attached cgroup/connect4 but it did not run for a connect() inside");
    }
    return available("attached cgroup/connect4 to a child of " + env.cgroupV2Mount +
                     " and saw it run for a connect() inside");
}

} // namespace mamori::kernel::probe
