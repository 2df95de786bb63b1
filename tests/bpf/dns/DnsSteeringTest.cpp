// bpf/dns_steer.bpf.c through its loader DnsSteering, for real: the programs are attached to a
// temporary cgroup <cgroup v2 mount>/mamori-test-<pid> (never to the machine's root), a responder
// in this process plays the stub (0.0.0.0:<port>, SO_BINDTODEVICE lo, answering with the
// address each query arrived on, from that address), and the "app" is dnssteerclient, exec'd
// inside app-gnome-org.example.App-1234.scope below it. Needs root (cgroups, BPF); skips
// otherwise.
#include "dns/DnsSteering.h"

#include "common/UniqueFd.h"
#include "dns/CgroupAppWatcher.h"
#include "kernel/BpfError.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace mamori::dns {
namespace {

namespace fs = std::filesystem;

// The helper's process name: the key of the comm fallback.
constexpr std::string_view kClientComm = "dnssteerclient";
constexpr std::uint16_t kAppIndex = 5;

std::string whyCannotRun() {
    if (::geteuid() != 0) {
        return "needs root (creates cgroups, loads and attaches cgroup BPF programs)";
    }
    try {
        DnsSteering::cgroupV2Mount();
    } catch (const kernel::BpfError& e) {
        return std::string("no cgroup v2 hierarchy: ") + e.what();
    }
    return {};
}

// A cgroup directory that exists as long as this object (the processes moved into it have
// exited and been reaped by then).
class CgroupDir {
public:
    explicit CgroupDir(fs::path path)
        : path_(std::move(path)) {
        if (::mkdir(path_.c_str(), 0755) != 0) {
            throw std::runtime_error("mkdir " + path_.string() + ": " + std::strerror(errno));
        }
    }
    ~CgroupDir() { ::rmdir(path_.c_str()); }
    CgroupDir(const CgroupDir&) = delete;
    CgroupDir& operator=(const CgroupDir&) = delete;

    const fs::path& path() const { return path_; }
    std::uint64_t id() const { return DnsSteering::cgroupId(path_); }

private:
    fs::path path_;
};

std::string addressText(in_addr address) {
    std::array<char, INET_ADDRSTRLEN> buffer{};
    ::inet_ntop(AF_INET, &address, buffer.data(), buffer.size());
    return buffer.data();
}

UniqueFd loopbackSocket(int type, std::uint16_t port) {
    UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) != 0) {
        throw std::runtime_error(std::string("SO_BINDTODEVICE lo: ") + std::strerror(errno));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        return {};
    }
    return fd;
}

std::uint16_t localPort(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

// The stub's stand-in: UDP and TCP on one port of 0.0.0.0, loopback only, like the real stub.
// Each answer is the local address the query was sent to, and UDP answers leave from that
// address (IP_PKTINFO), as the stub's must for connected sockets to accept them.
class Responder {
public:
    Responder() {
        for (int attempt = 0; attempt < 20 && !tcp_; ++attempt) {
            udp_ = loopbackSocket(SOCK_DGRAM, 0);
            port_ = localPort(udp_.get());
            tcp_ = loopbackSocket(SOCK_STREAM, port_);
        }
        const int one = 1;
        if (!tcp_ || ::listen(tcp_.get(), 16) != 0 ||
            ::setsockopt(udp_.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0) {
            throw std::runtime_error("cannot set up the responder");
        }
        thread_ = std::thread([this] { serve(); });
    }
    ~Responder() {
        const std::uint64_t one = 1;
        (void)::write(stop_.get(), &one, sizeof one);
        thread_.join();
    }
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    std::uint16_t port() const { return port_; }

private:
    void serve() {
        std::array<pollfd, 3> fds{
            {{udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}}};
        while (::poll(fds.data(), fds.size(), -1) >= 0 && (fds[2].revents & POLLIN) == 0) {
            if ((fds[0].revents & POLLIN) != 0) {
                answerUdp();
            }
            if ((fds[1].revents & POLLIN) != 0) {
                answerTcp();
            }
        }
    }

    void answerUdp() {
        std::array<char, 512> query{};
        sockaddr_in peer{};
        iovec iov{query.data(), query.size()};
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
        msghdr message{};
        message.msg_name = &peer;
        message.msg_namelen = sizeof peer;
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        if (::recvmsg(udp_.get(), &message, 0) < 0) {
            return;
        }
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        if (header == nullptr || header->cmsg_type != IP_PKTINFO) {
            return;
        }
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(header), sizeof info);
        const std::string reply = addressText(info.ipi_addr);
        // Answer from the address the query was sent to.
        in_pktinfo source{};
        source.ipi_spec_dst = info.ipi_addr;
        std::memcpy(CMSG_DATA(header), &source, sizeof source);
        iovec out{const_cast<char*>(reply.data()), reply.size()};
        message.msg_iov = &out;
        message.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
        (void)::sendmsg(udp_.get(), &message, 0);
    }

    void answerTcp() {
        const UniqueFd connection(::accept4(tcp_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection) {
            return;
        }
        const timeval timeout{1, 0};
        ::setsockopt(connection.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        std::array<char, 512> query{};
        (void)::read(connection.get(), query.data(), query.size());
        sockaddr_in local{};
        socklen_t length = sizeof local;
        ::getsockname(connection.get(), reinterpret_cast<sockaddr*>(&local), &length);
        const std::string reply = addressText(local.sin_addr);
        (void)::write(connection.get(), reply.data(), reply.size());
    }

    UniqueFd udp_;
    UniqueFd tcp_;
    std::uint16_t port_ = 0;
    UniqueFd stop_{::eventfd(0, EFD_CLOEXEC)};
    std::thread thread_;
};

// Runs dnssteerclient inside `cgroup`: the child moves itself there (writes "0" to
// cgroup.procs) and execs at once, so no test code runs in the forked child. Returns its
// output line. With `ownNetns`, the client runs in a network namespace of its own, like a
// container's. `pid` (when given) gets the client's process id.
std::string runClientIn(const fs::path& cgroup, const std::vector<std::string>& args,
                        bool ownNetns = false, pid_t* pid = nullptr) {
    const std::string procs = (cgroup / "cgroup.procs").string();
    std::vector<std::string> argvStrings{DNS_STEER_CLIENT};
    argvStrings.insert(argvStrings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argvStrings.size() + 1);
    for (auto& arg : argvStrings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::array<int, 2> pipeFds{};
    if (::pipe2(pipeFds.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2");
    }
    UniqueFd readEnd(pipeFds[0]);
    UniqueFd writeEnd(pipeFds[1]);
    const pid_t child = ::fork();
    if (child == 0) {
        const int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ::write(fd, "0", 1) != 1 || ::dup2(writeEnd.get(), STDOUT_FILENO) < 0) {
            ::_exit(126);
        }
        if (ownNetns && ::unshare(CLONE_NEWNET) != 0) {
            ::_exit(125);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    writeEnd.reset();
    if (pid != nullptr) {
        *pid = child;
    }
    std::string output;
    std::array<char, 256> buffer{};
    for (ssize_t got = 0; (got = ::read(readEnd.get(), buffer.data(), buffer.size())) > 0;) {
        output.append(buffer.data(), static_cast<std::size_t>(got));
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        return "client failed with status " + std::to_string(status);
    }
    while (!output.empty() && output.back() == '\n') {
        output.pop_back();
    }
    return output;
}

std::string expectedReply(std::uint16_t index, const std::string& from, const std::string& peer) {
    return "reply=" + DnsSteering::stubAddressText(index) + " from=" + from + " peer=" + peer;
}

class DnsSteeringTest : public testing::Test {
protected:
    void SetUp() override {
        if (const auto reason = whyCannotRun(); !reason.empty()) {
            GTEST_SKIP() << reason;
        }
        const std::string name = "mamori-test-" + std::to_string(::getpid());
        const fs::path cgroupRoot = DnsSteering::cgroupV2Mount();
        parent = std::make_unique<CgroupDir>(cgroupRoot / name);
        scope =
            std::make_unique<CgroupDir>(parent->path() / "app-gnome-org.example.App-1234.scope");
        other = std::make_unique<CgroupDir>(parent->path() / "session-9.scope");
        outside = std::make_unique<CgroupDir>(cgroupRoot / (name + "-outside"));
        responder = std::make_unique<Responder>();
        steering = std::make_unique<DnsSteering>(parent->path(), responder->port());
        steering->setApp(scope->id(), kAppIndex);
    }

    std::string run(const CgroupDir& cgroup, const std::vector<std::string>& args) {
        return runClientIn(cgroup.path(), args);
    }

    // Destroyed in reverse: the links first, then the responder, then the cgroups.
    std::unique_ptr<CgroupDir> parent;
    std::unique_ptr<CgroupDir> scope;
    std::unique_ptr<CgroupDir> other;
    std::unique_ptr<CgroupDir> outside;
    std::unique_ptr<Responder> responder;
    std::unique_ptr<DnsSteering> steering;
};

TEST(DnsSteeringAddress, StubAddressCarriesTheAppIndex) {
    EXPECT_EQ(DnsSteering::stubAddressText(0), "127.53.0.0");
    EXPECT_EQ(DnsSteering::stubAddressText(5), "127.53.0.5");
    EXPECT_EQ(DnsSteering::stubAddressText(0x0102), "127.53.1.2");
    EXPECT_EQ(DnsSteering::stubAddressText(0xffff), "127.53.255.255");
    EXPECT_EQ(DnsSteering::stubAddress(0x0102), 0x7f350102U);
}

TEST_F(DnsSteeringTest, ConnectedUdpLikeGlibcReachesTheStubAndSeesItsResolver) {
    EXPECT_EQ(run(*scope, {"udp-connect", "127.0.0.1", "53"}),
              expectedReply(kAppIndex, "127.0.0.1:53", "127.0.0.1:53"));
    const auto counters = steering->counters();
    EXPECT_EQ(counters.connect4, 1U);
    EXPECT_EQ(counters.recvmsgRewrites, 1U);
    EXPECT_EQ(counters.getpeernameRewrites, 1U);
    EXPECT_EQ(counters.unknownApp, 0U);
}

TEST_F(DnsSteeringTest, UnconnectedSendtoIsSteeredAndTheReplySourceRestored) {
    EXPECT_EQ(run(*scope, {"udp-sendto", "192.0.2.1", "53"}),
              expectedReply(kAppIndex, "192.0.2.1:53", "none"));
    const auto counters = steering->counters();
    EXPECT_EQ(counters.sendmsg4, 1U);
    EXPECT_EQ(counters.recvmsgRewrites, 1U);
}

TEST_F(DnsSteeringTest, TcpIsSteeredAndGetpeernameShowsTheResolver) {
    EXPECT_EQ(run(*scope, {"tcp", "127.0.0.1", "53"}),
              expectedReply(kAppIndex, "none", "127.0.0.1:53"));
    const auto counters = steering->counters();
    EXPECT_EQ(counters.connect4, 1U);
    EXPECT_EQ(counters.getpeernameRewrites, 1U);
}

TEST_F(DnsSteeringTest, DualStackIpv6SocketGoesToTheV4MappedStub) {
    EXPECT_EQ(run(*scope, {"udp6-connect", "::1", "53"}),
              expectedReply(kAppIndex, "[::1]:53", "[::1]:53"));
    const auto counters = steering->counters();
    EXPECT_EQ(counters.connect6, 1U);
    EXPECT_EQ(counters.recvmsgRewrites, 1U);
}

TEST_F(DnsSteeringTest, V6OnlySocketIsLeftAloneAndCounted) {
    const std::string output = run(*scope, {"udp6-v6only", "::1", "53"});
    EXPECT_EQ(output.find("reply=127.53."), std::string::npos) << output;
    EXPECT_EQ(steering->counters().v6onlyUnsteered, 1U);
    EXPECT_EQ(steering->counters().connect6, 0U);
}

TEST_F(DnsSteeringTest, ProcessOutsideTheAttachedCgroupIsNotSteered) {
    const std::string output = run(*outside, {"udp-connect", "127.0.0.1", "53"});
    EXPECT_EQ(output.find("reply=127.53."), std::string::npos) << output;
    EXPECT_EQ(steering->counters().connect4, 0U);
}

TEST_F(DnsSteeringTest, ProcessWithoutAnAppGoesToIndexZero) {
    EXPECT_EQ(run(*other, {"udp-connect", "127.0.0.1", "53"}),
              expectedReply(DnsSteering::kUnknownApp, "127.0.0.1:53", "127.0.0.1:53"));
    EXPECT_EQ(steering->counters().unknownApp, 1U);
}

TEST_F(DnsSteeringTest, ChangingTheAppIndexChangesTheDestinationOfNewSockets) {
    steering->setApp(scope->id(), 0x0102);
    EXPECT_EQ(run(*scope, {"udp-connect", "127.0.0.1", "53"}),
              expectedReply(0x0102, "127.0.0.1:53", "127.0.0.1:53"));
    ASSERT_TRUE(steering->removeApp(scope->id()));
    EXPECT_FALSE(steering->removeApp(scope->id()));
    EXPECT_EQ(run(*scope, {"udp-connect", "127.0.0.1", "53"}),
              expectedReply(DnsSteering::kUnknownApp, "127.0.0.1:53", "127.0.0.1:53"));
}

TEST_F(DnsSteeringTest, CommFallbackNamesTheAppOfAProcessWithoutOne) {
    steering->setCommFallback(kClientComm, 9);
    EXPECT_EQ(run(*other, {"udp-sendto", "127.0.0.1", "53"}),
              expectedReply(9, "127.0.0.1:53", "none"));
    // The cgroup wins over the name.
    EXPECT_EQ(run(*scope, {"udp-sendto", "127.0.0.1", "53"}),
              expectedReply(kAppIndex, "127.0.0.1:53", "none"));
    EXPECT_TRUE(steering->removeCommFallback(kClientComm));
    EXPECT_THROW(steering->setCommFallback("a-name-longer-than-15", 9), std::invalid_argument);
}

TEST_F(DnsSteeringTest, ProcessInAnotherNetworkNamespaceKeepsItsDns) {
    // The stub is not reachable from there: steering would break the container's DNS.
    runClientIn(scope->path(), {"udp-connect", "127.0.0.1", "53"}, true);
    runClientIn(scope->path(), {"udp-sendto", "127.0.0.1", "53"}, true);
    const auto counters = steering->counters();
    EXPECT_EQ(counters.connect4 + counters.sendmsg4 + counters.unknownApp, 0U);
    // The same app in the host's namespace is steered.
    EXPECT_EQ(run(*scope, {"udp-connect", "127.0.0.1", "53"}),
              expectedReply(kAppIndex, "127.0.0.1:53", "127.0.0.1:53"));
}

TEST_F(DnsSteeringTest, ConnectionsToKnownDohServersAreCountedPerApp) {
    EXPECT_THROW(steering->setDohEndpoints({"127.0.0.1", "not-an-address"}), std::invalid_argument);
    steering->setDohEndpoints({"192.0.2.9", "127.0.0.1"});
    run(*scope, {"tcp", "127.0.0.1", "443"}); // nothing listens: the connect is counted anyway
    run(*scope, {"tcp", "127.0.0.1", "443"});
    run(*scope, {"tcp", "127.0.0.1", "8443"}); // another port: not DoH
    run(*other, {"tcp", "127.0.0.1", "443"});
    auto seen = steering->dohConnections();
    std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
        return a.appIndex > b.appIndex; // kAppIndex first, the unknown app (0) last
    });
    ASSERT_EQ(seen.size(), 2U);
    EXPECT_EQ(seen[0].appIndex, kAppIndex);
    EXPECT_EQ(seen[0].endpoint, "127.0.0.1");
    EXPECT_EQ(seen[0].connections, 2U);
    EXPECT_EQ(seen[1].appIndex, DnsSteering::kUnknownApp);
    EXPECT_EQ(seen[1].connections, 1U);
}

// What the DoH monitor probes: each process, as it connects to port 443 of a known DoH server,
// from any network namespace (nothing about the connection changes).
TEST_F(DnsSteeringTest, ProcessesConnectingToKnownDohServersAreReported) {
    steering->setDohEndpoints({"127.0.0.1"});
    pid_t first = 0;
    pid_t inContainer = 0;
    pid_t otherPort = 0;
    runClientIn(scope->path(), {"tcp", "127.0.0.1", "443"}, false, &first);
    runClientIn(scope->path(), {"tcp", "127.0.0.1", "8443"}, false, &otherPort);
    runClientIn(other->path(), {"tcp", "127.0.0.1", "443"}, true, &inContainer);
    std::vector<pid_t> reported;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (reported.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        pollfd ready{steering->dohClientsFd(), POLLIN, 0};
        ::poll(&ready, 1, 100);
        steering->consumeDohClients([&](pid_t pid, const std::string& server) {
            reported.push_back(pid);
            EXPECT_EQ(server, "127.0.0.1");
        });
    }
    EXPECT_EQ(reported, (std::vector<pid_t>{first, inContainer})) << "not " << otherPort;
    steering->setEnabled(false);
    runClientIn(scope->path(), {"tcp", "127.0.0.1", "443"});
    ::usleep(100000);
    steering->consumeDohClients([&](pid_t pid, const std::string&) { reported.push_back(pid); });
    EXPECT_EQ(reported.size(), 2U) << "nothing is reported while disabled";
}

TEST_F(DnsSteeringTest, ExemptCgroupIsNeverSteered) {
    steering->setExempt(scope->id(), 0);
    const std::string output = run(*scope, {"udp-connect", "127.0.0.1", "53"});
    EXPECT_EQ(output.find("reply=127.53."), std::string::npos) << output;
    const auto counters = steering->counters();
    EXPECT_EQ(counters.connect4 + counters.unknownApp, 0U);
}

TEST_F(DnsSteeringTest, DisabledSteersNothing) {
    steering->setEnabled(false);
    const std::string output = run(*scope, {"udp-sendto", "127.0.0.1", "53"});
    EXPECT_EQ(output.find("reply=127.53."), std::string::npos) << output;
    EXPECT_EQ(steering->counters().sendmsg4, 0U);
}

TEST_F(DnsSteeringTest, QueriesToOtherPortsAndToTheStubItselfAreUntouched) {
    const std::string port = std::to_string(responder->port());
    // Straight to the stub: answered, nothing counted.
    EXPECT_EQ(run(*scope, {"udp-connect", "127.53.0.7", port}),
              "reply=127.53.0.7 from=127.53.0.7:" + port + " peer=127.53.0.7:" + port);
    EXPECT_EQ(steering->counters().connect4, 0U);
}

TEST_F(DnsSteeringTest, AttachingToAMissingCgroupNamesTheProblem) {
    try {
        DnsSteering broken(parent->path() / "no-such-cgroup", responder->port());
        FAIL() << "attached to a missing cgroup";
    } catch (const kernel::BpfError& e) {
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("no-such-cgroup"), std::string::npos) << e.what();
    }
}

// The watcher on real cgroupfs: mkdir/rmdir of a scope below the test cgroup, with its cgroup
// id being what the BPF side sees.
TEST_F(DnsSteeringTest, WatcherFindsAppScopesOnCgroupfs) {
    std::vector<CgroupAppWatcher::App> added;
    std::vector<CgroupAppWatcher::App> removed;
    CgroupAppWatcher watcher(
        parent->path(), [&](const CgroupAppWatcher::App& app) { added.push_back(app); },
        [&](const CgroupAppWatcher::App& app) { removed.push_back(app); });
    watcher.start();
    ASSERT_EQ(added.size(), 1U);
    EXPECT_EQ(added[0].appId, "org.example.App");
    EXPECT_EQ(added[0].cgroupId, scope->id());
    {
        CgroupDir flatpak(parent->path() / "app-flatpak-org.mozilla.firefox-42.scope");
        pollfd pfd{watcher.fd(), POLLIN, 0};
        ASSERT_EQ(::poll(&pfd, 1, 2000), 1);
        watcher.onReadable();
        ASSERT_EQ(added.size(), 2U);
        EXPECT_EQ(added[1].appId, "org.mozilla.firefox");
        EXPECT_EQ(added[1].cgroupId, flatpak.id());
        // What the watcher reports is what the hooks key on.
        steering->setApp(added[1].cgroupId, 77);
        EXPECT_EQ(run(flatpak, {"udp-connect", "127.0.0.1", "53"}),
                  expectedReply(77, "127.0.0.1:53", "127.0.0.1:53"));
    }
    pollfd pfd{watcher.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 2000), 1);
    watcher.onReadable();
    ASSERT_EQ(removed.size(), 1U);
    EXPECT_EQ(removed[0].appId, "org.mozilla.firefox");
}

} // namespace
} // namespace mamori::dns
