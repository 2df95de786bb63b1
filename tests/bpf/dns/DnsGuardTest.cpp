// bpf/dns_guard.bpf.c through its loader DnsGuard, for real: hand-built Ethernet frames judged
// by the loaded program (BPF_PROG_TEST_RUN), then real datagrams over a veth pair into a network
// namespace this test creates (mg-guard-<pid>, 10.54.0.0/24; the host side mgh<pid> carries
// the guard). Needs root (BPF, namespaces); the namespace tests also `ip`. Skips otherwise.
#include "dns/DnsGuard.h"

#include "common/UniqueFd.h"
#include "kernel/BpfError.h"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <net/if.h>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace mamori::dns {
namespace {

using Verdict = DnsGuard::Verdict;

constexpr std::uint8_t kUdp = IPPROTO_UDP;
constexpr std::uint8_t kTcp = IPPROTO_TCP;
constexpr std::uint8_t kIcmp = IPPROTO_ICMP;
constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kDestinationOptions = 60;
constexpr std::uint8_t kFragment = 44;

constexpr const char* kResolver4 = "192.0.2.53";
constexpr const char* kResolver6 = "2001:db8::53";
constexpr const char* kSpoofer4 = "198.51.100.7";
constexpr const char* kSpoofer6 = "2001:db8:bad::7";

// What to put in a test frame; the defaults are a UDP DNS answer from the spoofer.
struct Packet {
    std::string source = kSpoofer4;
    std::uint8_t protocol = kUdp;
    std::uint16_t sourcePort = 53;
    std::uint16_t destinationPort = 40000;
    std::size_t payload = 32;
    // EtherType of one VLAN tag (0x8100, 0x88a8); 0: untagged.
    std::uint16_t vlan = 0;
    // IPv4 only: 4-byte words of options, and the flags/fragment offset field.
    std::size_t optionWords = 0;
    std::uint16_t fragmentField = 0;
    // IPv6 only: extension headers in order (hop-by-hop, destination options, fragment).
    std::vector<std::uint8_t> extensions;
    std::uint16_t ipv6FragmentOffset = 0;
};

class Bytes {
public:
    void u8(std::uint8_t value) { bytes_.push_back(value); }
    void u16(std::uint16_t value) {
        u8(static_cast<std::uint8_t>(value >> 8U));
        u8(static_cast<std::uint8_t>(value & 0xffU));
    }
    void u32(std::uint32_t value) {
        u16(static_cast<std::uint16_t>(value >> 16U));
        u16(static_cast<std::uint16_t>(value & 0xffffU));
    }
    void zeros(std::size_t count) { bytes_.insert(bytes_.end(), count, 0); }
    void append(const std::vector<std::uint8_t>& more) {
        bytes_.insert(bytes_.end(), more.begin(), more.end());
    }
    std::vector<std::uint8_t> take() { return std::move(bytes_); }

private:
    std::vector<std::uint8_t> bytes_;
};

std::vector<std::uint8_t> addressBytes(const std::string& text, int family) {
    std::array<std::uint8_t, 16> buffer{};
    if (::inet_pton(family, text.c_str(), buffer.data()) != 1) {
        throw std::invalid_argument("test address " + text);
    }
    return {buffer.begin(), buffer.begin() + (family == AF_INET ? 4 : 16)};
}

std::vector<std::uint8_t> transport(const Packet& packet) {
    Bytes out;
    out.u16(packet.sourcePort);
    out.u16(packet.destinationPort);
    if (packet.protocol == kTcp) {
        out.u32(1);      // sequence
        out.u32(0);      // acknowledgement
        out.u8(0x50);    // data offset 5 words
        out.u8(0x18);    // PSH ACK
        out.u16(0xffff); // window
        out.u32(0);      // checksum, urgent pointer
    } else {
        out.u16(static_cast<std::uint16_t>(8 + packet.payload));
        out.u16(0);
    }
    out.zeros(packet.payload);
    return out.take();
}

std::vector<std::uint8_t> ipv4(const Packet& packet, const std::vector<std::uint8_t>& inner) {
    Bytes out;
    const std::size_t header = 20 + 4 * packet.optionWords;
    out.u8(static_cast<std::uint8_t>(0x40U | (header / 4)));
    out.u8(0);
    out.u16(static_cast<std::uint16_t>(header + inner.size()));
    out.u16(0x1234);
    out.u16(packet.fragmentField);
    out.u8(64);
    out.u8(packet.protocol);
    out.u16(0); // checksum: the guard does not look at it
    out.append(addressBytes(packet.source, AF_INET));
    out.append(addressBytes("192.0.2.10", AF_INET));
    for (std::size_t i = 0; i < 4 * packet.optionWords; ++i) {
        out.u8(1); // NOP
    }
    out.append(inner);
    return out.take();
}

std::vector<std::uint8_t> ipv6(const Packet& packet, const std::vector<std::uint8_t>& inner) {
    Bytes extensions;
    for (std::size_t i = 0; i < packet.extensions.size(); ++i) {
        const std::uint8_t next =
            i + 1 < packet.extensions.size() ? packet.extensions[i + 1] : packet.protocol;
        extensions.u8(next);
        if (packet.extensions[i] == kFragment) {
            extensions.u8(0);
            extensions.u16(packet.ipv6FragmentOffset);
            extensions.u32(0x4321);
        } else {
            extensions.u8(0);       // 8 bytes
            extensions.u16(0x0104); // PadN of 4 more bytes
            extensions.u32(0);
        }
    }
    const std::vector<std::uint8_t> headers = extensions.take();
    Bytes out;
    out.u32(0x60000000);
    out.u16(static_cast<std::uint16_t>(headers.size() + inner.size()));
    out.u8(packet.extensions.empty() ? packet.protocol : packet.extensions.front());
    out.u8(64);
    out.append(addressBytes(packet.source, AF_INET6));
    out.append(addressBytes("2001:db8::10", AF_INET6));
    out.append(headers);
    out.append(inner);
    return out.take();
}

std::vector<std::uint8_t> frameOf(const Packet& packet) {
    const bool v6 = packet.source.find(':') != std::string::npos;
    Bytes out;
    out.append({0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2}); // destination, source MAC
    if (packet.vlan != 0) {
        out.u16(packet.vlan);
        out.u16(42); // VLAN id
    }
    out.u16(v6 ? 0x86dd : 0x0800);
    out.append(v6 ? ipv6(packet, transport(packet)) : ipv4(packet, transport(packet)));
    return out.take();
}

std::vector<std::uint8_t> arpFrame() {
    Bytes out;
    out.append({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 2});
    out.u16(0x0806);
    out.u16(1);      // Ethernet
    out.u16(0x0800); // IPv4
    out.u8(6);
    out.u8(4);
    out.u16(1); // request
    out.zeros(28 - 8);
    return out.take();
}

class DnsGuardFrameTest : public testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root (loads an XDP program and runs it with BPF_PROG_TEST_RUN)";
        }
        guard = std::make_unique<DnsGuard>();
        guard->setResolvers({kResolver4, kResolver6});
    }

    Verdict judge(const Packet& packet) { return guard->judge(frameOf(packet)); }

    void expectNothingCounted() {
        const auto dropped = guard->dropped();
        EXPECT_EQ(dropped.packets, 0U);
        EXPECT_EQ(dropped.bytes, 0U);
        EXPECT_EQ(dropped.unknownTcpPackets, 0U);
        for (const auto& slot : guard->traffic()) {
            EXPECT_EQ(slot.packets, 0U);
            EXPECT_EQ(slot.bytes, 0U);
        }
    }

    std::unique_ptr<DnsGuard> guard;
};

TEST_F(DnsGuardFrameTest, AnswerFromAConfiguredResolverPassesAndIsCountedInItsSlot) {
    Packet packet;
    packet.source = kResolver4;
    const auto frame = frameOf(packet);
    EXPECT_EQ(guard->judge(frame), Verdict::Pass);
    EXPECT_EQ(guard->judge(frame), Verdict::Pass);
    packet.source = kResolver6;
    const auto frame6 = frameOf(packet);
    EXPECT_EQ(guard->judge(frame6), Verdict::Pass);

    const auto traffic = guard->traffic();
    ASSERT_EQ(traffic.size(), 2U);
    EXPECT_EQ(traffic[0].packets, 2U);
    EXPECT_EQ(traffic[0].bytes, 2 * frame.size());
    EXPECT_EQ(traffic[1].packets, 1U);
    EXPECT_EQ(traffic[1].bytes, frame6.size());
    EXPECT_EQ(guard->dropped().packets, 0U);
}

TEST_F(DnsGuardFrameTest, SpoofedUdpAnswerIsDroppedAndCounted) {
    const auto frame = frameOf(Packet{});
    EXPECT_EQ(guard->judge(frame), Verdict::Drop);
    const auto dropped = guard->dropped();
    EXPECT_EQ(dropped.packets, 1U);
    EXPECT_EQ(dropped.bytes, frame.size());
    EXPECT_EQ(dropped.unknownTcpPackets, 0U);
    EXPECT_EQ(guard->traffic()[0].packets, 0U);
}

TEST_F(DnsGuardFrameTest, SpoofedIpv6AnswerIsDroppedAndCounted) {
    Packet packet;
    packet.source = kSpoofer6;
    const auto frame = frameOf(packet);
    EXPECT_EQ(guard->judge(frame), Verdict::Drop);
    EXPECT_EQ(guard->dropped().packets, 1U);
    EXPECT_EQ(guard->dropped().bytes, frame.size());
}

TEST_F(DnsGuardFrameTest, TcpAnswersFromResolversAreCounted) {
    Packet packet;
    packet.source = kResolver4;
    packet.protocol = kTcp;
    packet.sourcePort = 853;
    const auto dot = frameOf(packet);
    EXPECT_EQ(guard->judge(dot), Verdict::Pass);
    packet.source = kResolver6;
    packet.sourcePort = 53;
    const auto tcp6 = frameOf(packet);
    EXPECT_EQ(guard->judge(tcp6), Verdict::Pass);
    const auto traffic = guard->traffic();
    EXPECT_EQ(traffic[0].packets, 1U);
    EXPECT_EQ(traffic[0].bytes, dot.size());
    EXPECT_EQ(traffic[1].packets, 1U);
    EXPECT_EQ(traffic[1].bytes, tcp6.size());
}

TEST_F(DnsGuardFrameTest, TcpAnswerFromANonResolverPassesAsUnknown) {
    Packet packet;
    packet.protocol = kTcp;
    EXPECT_EQ(judge(packet), Verdict::Pass);
    packet.sourcePort = 853;
    packet.source = kSpoofer6;
    EXPECT_EQ(judge(packet), Verdict::Pass);
    const auto dropped = guard->dropped();
    EXPECT_EQ(dropped.unknownTcpPackets, 2U);
    EXPECT_EQ(dropped.packets, 0U);
    EXPECT_EQ(dropped.bytes, 0U);
}

TEST_F(DnsGuardFrameTest, NonDnsTrafficPassesUncounted) {
    Packet mdns;
    mdns.sourcePort = 5353;
    EXPECT_EQ(judge(mdns), Verdict::Pass);
    // A query to this host (destination port 53) is not an answer.
    Packet query;
    query.sourcePort = 40000;
    query.destinationPort = 53;
    EXPECT_EQ(judge(query), Verdict::Pass);
    Packet dotOverUdp;
    dotOverUdp.sourcePort = 853;
    EXPECT_EQ(judge(dotOverUdp), Verdict::Pass);
    Packet web;
    web.protocol = kTcp;
    web.sourcePort = 443;
    web.source = kSpoofer6;
    EXPECT_EQ(judge(web), Verdict::Pass);
    Packet icmp;
    icmp.protocol = kIcmp;
    EXPECT_EQ(judge(icmp), Verdict::Pass);
    EXPECT_EQ(guard->judge(arpFrame()), Verdict::Pass);
    expectNothingCounted();
}

TEST_F(DnsGuardFrameTest, HeadersAroundTheAnswerDoNotHideIt) {
    for (const std::uint16_t tag : {0x8100, 0x88a8}) {
        Packet tagged;
        tagged.vlan = tag;
        EXPECT_EQ(judge(tagged), Verdict::Drop) << "VLAN " << tag;
        tagged.source = kResolver4;
        EXPECT_EQ(judge(tagged), Verdict::Pass) << "VLAN " << tag;
    }
    Packet options;
    options.optionWords = 10; // the longest IPv4 header: 60 bytes
    EXPECT_EQ(judge(options), Verdict::Drop);
    Packet extended;
    extended.source = kSpoofer6;
    extended.extensions = {kHopByHop, kDestinationOptions, kFragment, kDestinationOptions};
    EXPECT_EQ(judge(extended), Verdict::Drop);
    Packet firstFragment;
    firstFragment.fragmentField = 0x2000; // more fragments, offset 0
    EXPECT_EQ(judge(firstFragment), Verdict::Drop);
    EXPECT_EQ(guard->dropped().packets, 5U);
    EXPECT_EQ(guard->traffic()[0].packets, 2U);
}

TEST_F(DnsGuardFrameTest, WhatCannotBeJudgedPasses) {
    // Bytes that look like source port 53 in the middle of a datagram.
    Packet laterFragment;
    laterFragment.fragmentField = 0x0010;
    EXPECT_EQ(judge(laterFragment), Verdict::Pass);
    Packet laterFragment6;
    laterFragment6.source = kSpoofer6;
    laterFragment6.extensions = {kFragment};
    laterFragment6.ipv6FragmentOffset = 0x0008 << 3U;
    EXPECT_EQ(judge(laterFragment6), Verdict::Pass);
    Packet doubleTagged;
    doubleTagged.vlan = 0x88a8;
    auto frame = frameOf(doubleTagged);
    frame.insert(frame.begin() + 16, {0x81, 0x00, 0x00, 0x07}); // a second tag
    EXPECT_EQ(guard->judge(frame), Verdict::Pass);
    Packet tooManyExtensions;
    tooManyExtensions.source = kSpoofer6;
    tooManyExtensions.extensions = {kHopByHop, kDestinationOptions, kDestinationOptions,
                                    kDestinationOptions, kDestinationOptions};
    EXPECT_EQ(judge(tooManyExtensions), Verdict::Pass);
    expectNothingCounted();
}

TEST_F(DnsGuardFrameTest, TruncatedFramesPass) {
    Packet v6;
    v6.source = kSpoofer6;
    Packet tcp;
    tcp.protocol = kTcp;
    for (const auto& full : {frameOf(Packet{}), frameOf(v6), frameOf(tcp)}) {
        ASSERT_GT(full.size(), 60U);
        for (std::size_t length = 0; length <= 60; ++length) {
            const std::vector<std::uint8_t> cut(full.begin(),
                                                full.begin() + static_cast<std::ptrdiff_t>(length));
            if (length < 14) {
                // No program ever sees a frame without a whole Ethernet header.
                try {
                    guard->judge(cut);
                    ADD_FAILURE() << "the kernel ran a " << length << "-byte frame";
                } catch (const kernel::BpfError& e) {
                    EXPECT_EQ(e.error(), EINVAL) << e.what();
                }
                continue;
            }
            EXPECT_EQ(guard->judge(cut), Verdict::Pass) << length << " bytes";
        }
    }
    expectNothingCounted();
}

TEST_F(DnsGuardFrameTest, DisabledGuardDropsAndCountsNothing) {
    guard->setEnabled(false);
    EXPECT_FALSE(guard->enabled());
    EXPECT_EQ(judge(Packet{}), Verdict::Pass);
    Packet resolver;
    resolver.source = kResolver4;
    EXPECT_EQ(judge(resolver), Verdict::Pass);
    expectNothingCounted();
    guard->setEnabled(true);
    EXPECT_EQ(judge(Packet{}), Verdict::Drop);
}

TEST_F(DnsGuardFrameTest, WithoutResolversNothingIsDropped) {
    guard->setResolvers({});
    EXPECT_TRUE(guard->traffic().empty());
    EXPECT_EQ(judge(Packet{}), Verdict::Pass);
    Packet v6;
    v6.source = kSpoofer6;
    EXPECT_EQ(judge(v6), Verdict::Pass);
    EXPECT_EQ(guard->dropped().packets, 0U);
}

TEST_F(DnsGuardFrameTest, NewResolverListReplacesTheOldOne) {
    Packet resolver;
    resolver.source = kResolver4;
    EXPECT_EQ(judge(resolver), Verdict::Pass);
    // The IPv6 resolver moves to slot 0; the IPv4 one is gone.
    guard->setResolvers({kResolver6, kSpoofer4});
    EXPECT_EQ(judge(resolver), Verdict::Drop);
    EXPECT_EQ(judge(Packet{}), Verdict::Pass);
    Packet v6;
    v6.source = kResolver6;
    EXPECT_EQ(judge(v6), Verdict::Pass);
    const auto traffic = guard->traffic();
    ASSERT_EQ(traffic.size(), 2U);
    EXPECT_EQ(traffic[0].packets, 1U); // restarted: slot 0 had the IPv4 resolver's answer
    EXPECT_EQ(traffic[1].packets, 1U);
}

TEST_F(DnsGuardFrameTest, LiteralsAreNormalisedAndDuplicatesCountedOnce) {
    guard->setResolvers({"::ffff:198.51.100.7", kSpoofer4});
    EXPECT_EQ(judge(Packet{}), Verdict::Pass);
    const auto traffic = guard->traffic();
    ASSERT_EQ(traffic.size(), 2U);
    EXPECT_EQ(traffic[0].packets, 1U);
    EXPECT_EQ(traffic[1].packets, 0U);
}

TEST_F(DnsGuardFrameTest, BadResolverListsAreRefusedAndChangeNothing) {
    // Each bad literal, and how the message shows it.
    const std::vector<std::pair<std::string, std::string>> bad{
        {"not-an-address", "\"not-an-address\""},
        {"192.0.2.300", "\"192.0.2.300\""},
        {std::string("192.0.2.1\0x", 11), R"("192.0.2.1\x00x")"},
        {"fe80::1%eth0", "\"fe80::1%eth0\""},
        {"", "\"\""},
    };
    for (const auto& [literal, shown] : bad) {
        try {
            guard->setResolvers({kSpoofer4, literal});
            ADD_FAILURE() << "accepted " << shown;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(shown), std::string::npos) << e.what();
        }
    }
    std::vector<std::string> tooMany;
    for (int i = 0; i <= 64; ++i) {
        tooMany.push_back("10.0.0." + std::to_string(i));
    }
    EXPECT_THROW(guard->setResolvers(tooMany), std::invalid_argument);
    tooMany.pop_back();
    guard->setResolvers(tooMany);
    EXPECT_EQ(guard->traffic().size(), 64U);
    guard->setResolvers({kResolver4, kResolver6});

    // Still the resolvers of the fixture.
    EXPECT_EQ(judge(Packet{}), Verdict::Drop);
    Packet resolver;
    resolver.source = kResolver4;
    EXPECT_EQ(judge(resolver), Verdict::Pass);
    EXPECT_EQ(guard->traffic().size(), 2U);
}

// ---- Real packets over a veth pair ------------------------------------------------------

constexpr const char* kHostAddress = "10.54.0.1";
constexpr const char* kResolverAddress = "10.54.0.2";
constexpr const char* kOtherAddress = "10.54.0.3";
constexpr std::size_t kPayload = 32;
// Ethernet + IPv4 + UDP headers in front of the payload on the veth.
constexpr std::size_t kFrameOverhead = 14 + 20 + 8;

// ctest's PATH may lack the sbin directories.
std::string findTool(const std::string& name) {
    std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    path += ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::filesystem::path candidate = std::filesystem::path(dir) / name;
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return {};
}

// Runs `ip <args>`; its stderr, or empty when it succeeded.
std::string runIp(const std::vector<std::string>& args) {
    std::vector<std::string> argvStrings{findTool("ip")};
    argvStrings.insert(argvStrings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argvStrings.size() + 1);
    for (auto& arg : argvStrings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::array<int, 2> pipeFds{};
    if (::pipe2(pipeFds.data(), O_CLOEXEC) != 0) {
        return "pipe2 failed";
    }
    UniqueFd readEnd(pipeFds[0]);
    UniqueFd writeEnd(pipeFds[1]);
    const pid_t child = ::fork();
    if (child == 0) {
        if (::dup2(writeEnd.get(), STDERR_FILENO) < 0) {
            ::_exit(126);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    writeEnd.reset();
    std::string errors;
    std::array<char, 256> buffer{};
    for (ssize_t got = 0; (got = ::read(readEnd.get(), buffer.data(), buffer.size())) > 0;) {
        errors.append(buffer.data(), static_cast<std::size_t>(got));
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return {};
    }
    std::string command = "ip";
    for (const auto& arg : args) {
        command += ' ' + arg;
    }
    return command + ": " + (errors.empty() ? "status " + std::to_string(status) : errors);
}

void deleteNetns(const std::string& netns, const std::string& hostInterface) {
    // The host end first: the namespace goes away asynchronously, its veth with it.
    (void)runIp({"link", "delete", hostInterface});
    (void)runIp({"netns", "delete", netns});
}

// A test killed before its teardown leaves a veth with a route to 10.54.0.0/24 that would
// capture this run's traffic: remove those of dead processes.
void removeStaleLeftovers() {
    const std::string prefix = "mgh";
    const std::unique_ptr<struct if_nameindex, void (*)(struct if_nameindex*)> interfaces(
        ::if_nameindex(), &::if_freenameindex);
    for (auto* i = interfaces.get(); i != nullptr && i->if_name != nullptr; ++i) {
        const std::string name = i->if_name;
        if (name.rfind(prefix, 0) != 0) {
            continue;
        }
        const auto owner = static_cast<pid_t>(std::atoi(name.c_str() + prefix.size()));
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) {
            deleteNetns("mg-guard-" + std::to_string(owner), name);
        }
    }
}

// The namespace mg-guard-<pid> with 10.54.0.2 and 10.54.0.3, linked to the host's 10.54.0.1 on
// mgh<pid>. Removed by the destructor, also when the test failed.
class GuardNetns {
public:
    static std::string skipReason() {
        if (::geteuid() != 0) {
            return "needs root (network namespaces, veth, XDP)";
        }
        if (findTool("ip").empty()) {
            return "`ip` not installed (iproute2)";
        }
        return {};
    }

    GuardNetns()
        : netns_("mg-guard-" + std::to_string(::getpid()))
        , host_("mgh" + std::to_string(::getpid()))
        , peer_("mgp" + std::to_string(::getpid())) {
        removeStaleLeftovers();
        const std::vector<std::vector<std::string>> steps{
            {"netns", "add", netns_},
            {"link", "add", host_, "type", "veth", "peer", "name", peer_, "netns", netns_},
            {"addr", "add", std::string(kHostAddress) + "/24", "dev", host_},
            {"link", "set", host_, "up"},
            {"-n", netns_, "addr", "add", std::string(kResolverAddress) + "/24", "dev", peer_},
            {"-n", netns_, "addr", "add", std::string(kOtherAddress) + "/24", "dev", peer_},
            {"-n", netns_, "link", "set", peer_, "up"},
        };
        for (const auto& step : steps) {
            if (auto error = runIp(step); !error.empty()) {
                deleteNetns(netns_, host_);
                throw std::runtime_error(error);
            }
        }
    }
    ~GuardNetns() { deleteNetns(netns_, host_); }
    GuardNetns(const GuardNetns&) = delete;
    GuardNetns& operator=(const GuardNetns&) = delete;

    const std::string& hostInterface() const { return host_; }

    // Sends one datagram of kPayload bytes from source:sourcePort inside the namespace to
    // kHostAddress:port. The child only makes system calls between fork and _exit.
    void send(const char* source, std::uint16_t sourcePort, std::uint16_t port) const {
        const UniqueFd netnsFd(::open(("/run/netns/" + netns_).c_str(), O_RDONLY | O_CLOEXEC));
        if (!netnsFd) {
            throw std::runtime_error("open /run/netns/" + netns_ + ": " + std::strerror(errno));
        }
        const sockaddr_in from = socketAddress(source, sourcePort);
        const sockaddr_in to = socketAddress(kHostAddress, port);
        const std::array<char, kPayload> payload{'a', 'n', 's', 'w', 'e', 'r'};
        const pid_t child = ::fork();
        if (child == 0) {
            sendInChild(netnsFd.get(), from, to, payload);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw std::runtime_error(std::string("sending from ") + source + " in " + netns_ +
                                     " failed");
        }
    }

    static sockaddr_in socketAddress(const char* address, std::uint16_t port) {
        sockaddr_in result{};
        result.sin_family = AF_INET;
        result.sin_port = htons(port);
        ::inet_pton(AF_INET, address, &result.sin_addr);
        return result;
    }

private:
    [[noreturn]] static void sendInChild(int netnsFd, const sockaddr_in& from,
                                         const sockaddr_in& to,
                                         const std::array<char, kPayload>& payload) {
        if (::setns(netnsFd, CLONE_NEWNET) != 0) {
            ::_exit(1);
        }
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        const int one = 1;
        if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0 ||
            ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                     sizeof to) < 0) {
            ::_exit(2);
        }
        ::_exit(0);
    }

    std::string netns_;
    std::string host_;
    std::string peer_;
};

// The host's receiving socket on kHostAddress:<ephemeral port>.
class Receiver {
public:
    Receiver()
        : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
        const sockaddr_in address = GuardNetns::socketAddress(kHostAddress, 0);
        socklen_t length = sizeof address_;
        if (!fd_ ||
            ::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address_), &length) != 0) {
            throw std::runtime_error(std::string("bind ") + kHostAddress + ": " +
                                     std::strerror(errno));
        }
    }

    std::uint16_t port() const { return ntohs(address_.sin_port); }

    // "address:port" of the next datagram within `timeoutMs`, nullopt when none came.
    std::optional<std::string> receive(int timeoutMs) const {
        pollfd pfd{fd_.get(), POLLIN, 0};
        if (::poll(&pfd, 1, timeoutMs) != 1) {
            return std::nullopt;
        }
        std::array<char, 512> buffer{};
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        if (::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                       reinterpret_cast<sockaddr*>(&peer), &length) < 0) {
            return std::nullopt;
        }
        std::array<char, INET_ADDRSTRLEN> text{};
        ::inet_ntop(AF_INET, &peer.sin_addr, text.data(), text.size());
        return std::string(text.data()) + ":" + std::to_string(ntohs(peer.sin_port));
    }

private:
    UniqueFd fd_;
    sockaddr_in address_{};
};

class DnsGuardVethTest : public testing::Test {
protected:
    void SetUp() override {
        if (const auto reason = GuardNetns::skipReason(); !reason.empty()) {
            GTEST_SKIP() << reason;
        }
        netns = std::make_unique<GuardNetns>();
        receiver = std::make_unique<Receiver>();
        guard = std::make_unique<DnsGuard>();
        guard->setResolvers({kResolverAddress});
    }

    // Destroyed in reverse: the guard detaches before its interface goes away.
    std::unique_ptr<GuardNetns> netns;
    std::unique_ptr<Receiver> receiver;
    std::unique_ptr<DnsGuard> guard;
};

TEST_F(DnsGuardVethTest, SpoofedAnswerIsDroppedAndTheResolversAnswerArrives) {
    guard->attach(netns->hostInterface());
    guard->attach(netns->hostInterface()); // already there: nothing changes
    EXPECT_EQ(guard->attachedInterfaces(), std::vector<std::string>{netns->hostInterface()});

    netns->send(kResolverAddress, 53, receiver->port());
    EXPECT_EQ(receiver->receive(2000), std::string(kResolverAddress) + ":53");
    const auto traffic = guard->traffic();
    ASSERT_EQ(traffic.size(), 1U);
    EXPECT_EQ(traffic[0].packets, 1U);
    EXPECT_EQ(traffic[0].bytes, kFrameOverhead + kPayload);

    netns->send(kOtherAddress, 53, receiver->port());
    EXPECT_EQ(receiver->receive(300), std::nullopt);
    EXPECT_EQ(guard->dropped().packets, 1U);
    EXPECT_EQ(guard->dropped().bytes, kFrameOverhead + kPayload);

    // Not a DNS answer: untouched.
    netns->send(kOtherAddress, 5353, receiver->port());
    EXPECT_EQ(receiver->receive(2000), std::string(kOtherAddress) + ":5353");

    EXPECT_TRUE(guard->detach(netns->hostInterface()));
    EXPECT_FALSE(guard->detach(netns->hostInterface()));
    EXPECT_TRUE(guard->attachedInterfaces().empty());
    netns->send(kOtherAddress, 53, receiver->port());
    EXPECT_EQ(receiver->receive(2000), std::string(kOtherAddress) + ":53");
    EXPECT_EQ(guard->dropped().packets, 1U);
}

TEST_F(DnsGuardVethTest, DisabledGuardLetsTheSpoofedAnswerThrough) {
    guard->attach(netns->hostInterface());
    guard->setEnabled(false);
    netns->send(kOtherAddress, 53, receiver->port());
    EXPECT_EQ(receiver->receive(2000), std::string(kOtherAddress) + ":53");
    EXPECT_EQ(guard->dropped().packets, 0U);
}

TEST_F(DnsGuardVethTest, AttachingToAMissingInterfaceNamesIt) {
    try {
        guard->attach("nonexistent0");
        FAIL() << "attached to a missing interface";
    } catch (const kernel::BpfError& e) {
        EXPECT_EQ(e.error(), ENODEV);
        EXPECT_NE(std::string(e.what()).find("nonexistent0"), std::string::npos) << e.what();
    }
    EXPECT_THROW(guard->attach(std::string("lo\0x", 4)), kernel::BpfError);
    EXPECT_TRUE(guard->attachedInterfaces().empty());
}

TEST_F(DnsGuardVethTest, InterfacesTowardsTheResolversFollowTheRoutes) {
    EXPECT_EQ(DnsGuard::interfacesTowards(
                  {kResolverAddress, kOtherAddress, "127.0.0.1", "::1", kHostAddress}),
              (std::vector<std::string>{netns->hostInterface(), "lo"}));
    EXPECT_THROW(DnsGuard::interfacesTowards({"resolver.example"}), std::invalid_argument);
}

} // namespace
} // namespace mamori::dns
