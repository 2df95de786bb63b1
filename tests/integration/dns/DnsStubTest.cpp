// The local stub and the query forwarder together, against real unbound resolvers in network
// namespaces: clients like glibc (connected UDP), dig (UDP, TCP, truncation), pipelined TCP,
// failover when a resolver dies, hostile datagrams, and the TCP connection limits.
#include "dns/DnsStub.h"

#include "../Subprocess.h"
#include "UpstreamTestSupport.h"
#include "common/UniqueFd.h"
#include "dns/DnsMessage.h"
#include "dns/QueryForwarder.h"
#include "dns/upstream/Do53Upstream.h"

#include <arpa/inet.h>
#include <future>
#include <map>
#include <netinet/in.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace mamori::test {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;
using dns::DnsStub;
using Transport = DnsStub::StubQuery::Transport;

struct Seen {
    uint16_t appIndex = 0;
    Transport transport = Transport::Udp;
    std::string qname;
    uint16_t qtype = 0;
};

sockaddr_in socketAddress(const std::string& ip, uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
    return address;
}

// A UDP socket connect()ed to the stub, as glibc's resolver makes it: the kernel drops any
// datagram whose source is not exactly that address.
UniqueFd connectedUdp(const std::string& ip, uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const sockaddr_in address = socketAddress(ip, port);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    return fd;
}

UniqueFd tcpConnect(const std::string& ip, uint16_t port, int receiveBuffer = 0) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (receiveBuffer > 0) {
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    }
    // Loopback completes the handshake in the kernel, before the stub's accept().
    const sockaddr_in address = socketAddress(ip, port);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    return fd;
}

Bytes framed(const Bytes& message) {
    Bytes out{static_cast<uint8_t>(message.size() >> 8), static_cast<uint8_t>(message.size())};
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

uint8_t rcodeOf(const Bytes& message) {
    return message.size() >= 4 ? message[3] & 0x0F : 0xFF;
}

std::string findDig() {
    for (const char* path : {"/usr/bin/dig", "/bin/dig", "/usr/local/bin/dig"}) {
        if (::access(path, X_OK) == 0) {
            return path;
        }
    }
    return {};
}

class DnsStubTest : public UpstreamTest {
protected:
    void TearDown() override {
        stub.reset();
        forwarder.reset();
    }

    std::shared_ptr<dns::Upstream> upstream(const ResolverNetns& resolver) {
        dns::UpstreamOptions options;
        options.health.failureThreshold = 2;
        options.health.backoff = 300ms;
        return std::make_shared<dns::Do53Upstream>(do53(resolver), loop.hooks(), options);
    }

    // The engine in miniature: every query goes through the forwarder to `candidates` (or to
    // those set for its app in `perApp`).
    void startStub(std::vector<std::shared_ptr<dns::Upstream>> candidates,
                   std::chrono::milliseconds attemptTimeout = 2000ms) {
        defaultCandidates = std::move(candidates);
        forwarder = std::make_unique<dns::QueryForwarder>(
            loop.hooks(), dns::QueryForwarder::Options{attemptTimeout});
        stub = std::make_unique<DnsStub>(
            loop.hooks(), 0, [this](DnsStub::StubQuery query, const DnsStub::Reply& reply) {
                seen.push_back({query.appIndex, query.transport, query.qname, query.qtype});
                const auto app = perApp.find(query.appIndex);
                forwarder->forward(std::move(query.message),
                                   app != perApp.end() ? app->second : defaultCandidates,
                                   [this, reply](dns::ForwardOutcome outcome) {
                                       reply(outcome.answer);
                                       outcomes.push_back(std::move(outcome));
                                   });
            });
    }

    // A stub whose handler answers at once with `answer(query)`, or keeps the Reply for later
    // when that returns nothing.
    void startLocalStub(std::function<std::optional<Bytes>(const Bytes&)> answer) {
        stub = std::make_unique<DnsStub>(
            loop.hooks(), 0,
            [this, answer = std::move(answer)](const DnsStub::StubQuery& query,
                                               DnsStub::Reply reply) {
                seen.push_back({query.appIndex, query.transport, query.qname, query.qtype});
                if (auto bytes = answer(query.message)) {
                    reply(std::move(*bytes));
                } else {
                    keptReplies.push_back(std::move(reply));
                }
            });
    }

    std::optional<Bytes> receiveDatagram(int fd, std::chrono::milliseconds limit = 3000ms) {
        Bytes buffer(65536);
        ssize_t n = -1;
        const bool got = loop.runUntil(
            [&] {
                n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
                return n >= 0;
            },
            limit);
        if (!got) {
            return std::nullopt;
        }
        buffer.resize(static_cast<std::size_t>(n));
        return buffer;
    }

    Bytes askUdp(const std::string& ip, const Bytes& query) {
        const UniqueFd client = connectedUdp(ip, stub->port());
        EXPECT_EQ(::send(client.get(), query.data(), query.size(), 0),
                  static_cast<ssize_t>(query.size()));
        return receiveDatagram(client.get()).value_or(Bytes{});
    }

    // Reads framed messages until `count` arrived, the peer closed, or `limit` passed.
    std::vector<Bytes> receiveFrames(int fd, std::size_t count,
                                     std::chrono::milliseconds limit = 3000ms) {
        std::vector<Bytes> frames;
        Bytes pending;
        bool closed = false;
        loop.runUntil(
            [&] {
                Bytes chunk(65536);
                const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN)) {
                    closed = true;
                } else if (n > 0) {
                    pending.insert(pending.end(), chunk.begin(), chunk.begin() + n);
                }
                while (pending.size() >= 2 &&
                       pending.size() >= 2u + (pending[0] << 8 | pending[1])) {
                    const std::size_t length = pending[0] << 8 | pending[1];
                    frames.emplace_back(pending.begin() + 2,
                                        pending.begin() + 2 + static_cast<std::ptrdiff_t>(length));
                    pending.erase(pending.begin(),
                                  pending.begin() + 2 + static_cast<std::ptrdiff_t>(length));
                }
                return closed || frames.size() >= count;
            },
            limit);
        return frames;
    }

    // True once the peer closed the connection (read returns 0 or a reset).
    bool closedByPeer(int fd, std::chrono::milliseconds limit = 3000ms) {
        return loop.runUntil(
            [&] {
                std::array<uint8_t, 4096> chunk{};
                const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
                return n == 0 || (n < 0 && errno != EAGAIN);
            },
            limit);
    }

    // Runs a command to completion while the loop keeps serving the stub.
    RunResult runWhileServing(const std::vector<std::string>& argv) {
        Subprocess::Options options;
        options.argv = argv;
        auto result =
            std::async(std::launch::async, [options] { return Subprocess::run(options, 20.0); });
        EXPECT_TRUE(
            loop.runUntil([&] { return result.wait_for(0s) == std::future_status::ready; }, 25s));
        return result.get();
    }

    std::vector<std::shared_ptr<dns::Upstream>> defaultCandidates;
    std::map<uint16_t, std::vector<std::shared_ptr<dns::Upstream>>> perApp;
    std::unique_ptr<dns::QueryForwarder> forwarder;
    std::unique_ptr<DnsStub> stub;
    std::vector<Seen> seen;
    std::vector<dns::ForwardOutcome> outcomes;
    std::vector<DnsStub::Reply> keptReplies;
};

TEST_F(DnsStubTest, ConnectedUdpClientGetsTheAnswerFromTheAddressItAsked) {
    ResolverNetns one(1);
    ResolverNetns two(2);
    startStub({upstream(one), upstream(two)});

    const Bytes answer = askUdp("127.53.0.7", makeQuery(0xA1B2, "x.probe.test", 1));

    ASSERT_GE(answer.size(), 12u) << "no answer reached the connected socket";
    EXPECT_EQ(u16(answer, 0), 0xA1B2);
    EXPECT_EQ(firstA(answer), "192.0.2.1");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].appIndex, 7);
    EXPECT_EQ(seen[0].transport, Transport::Udp);
    EXPECT_EQ(seen[0].qname, "x.probe.test");
    EXPECT_EQ(seen[0].qtype, 1);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes[0].resolverId, "resolver1.test");
    EXPECT_EQ(stub->counters().udpQueries, 1u);
    EXPECT_EQ(stub->counters().answered, 1u);
}

TEST_F(DnsStubTest, QueriesToOtherLoopbackAddressesAreTheUnknownApp) {
    ResolverNetns one(1);
    startStub({upstream(one)});

    EXPECT_EQ(firstA(askUdp("127.0.0.1", makeQuery(1, "x.probe.test", 1))), "192.0.2.1");
    EXPECT_EQ(firstA(askUdp("127.53.0.0", makeQuery(2, "x.probe.test", 1))), "192.0.2.1");
    EXPECT_EQ(firstA(askUdp("127.53.255.255", makeQuery(3, "x.probe.test", 1))), "192.0.2.1");

    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].appIndex, 0);
    EXPECT_EQ(seen[1].appIndex, 0);
    EXPECT_EQ(seen[2].appIndex, 65535);
}

TEST_F(DnsStubTest, DigOverUdpTcpAndAfterTruncation) {
    const std::string dig = findDig();
    if (dig.empty()) {
        GTEST_SKIP() << "`dig` not installed (bind9-dnsutils, scripts/install-deps.sh)";
    }
    ResolverNetns one(1);
    ResolverNetns two(2);
    startStub({upstream(one), upstream(two)});
    const std::string port = std::to_string(stub->port());
    const std::vector<std::string> common = {dig, "@127.53.1.2", "-p", port, "+time=3", "+tries=1"};
    auto command = [&](std::initializer_list<std::string> extra) {
        std::vector<std::string> argv = common;
        argv.insert(argv.end(), extra);
        return argv;
    };

    const RunResult udp = runWhileServing(command({"x.probe.test", "+short"}));
    EXPECT_EQ(udp.out, "192.0.2.1\n") << udp.err;
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].appIndex, 258);
    EXPECT_EQ(seen[0].transport, Transport::Udp);

    const RunResult tcp = runWhileServing(command({"+tcp", "x.probe.test", "+short"}));
    EXPECT_EQ(tcp.out, "192.0.2.1\n") << tcp.err;
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].appIndex, 258);
    EXPECT_EQ(seen[1].transport, Transport::Tcp);

    // 12 TXT records of ~100 bytes: more than dig's 1232-byte EDNS UDP size.
    const auto truncatedBefore = stub->counters().truncated;
    const RunResult big = runWhileServing(command({"big.probe.test", "TXT", "+short"}));
    std::istringstream lines(big.out);
    int records = 0;
    for (std::string line; std::getline(lines, line);) {
        records += line.starts_with("\"") ? 1 : 0;
    }
    EXPECT_EQ(records, 12) << big.out << big.err;
    EXPECT_GT(stub->counters().truncated, truncatedBefore);
    ASSERT_GE(seen.size(), 4u); // over UDP, then again over TCP
    EXPECT_EQ(seen.back().transport, Transport::Tcp);
    EXPECT_EQ(seen.back().qname, "big.probe.test");
}

TEST_F(DnsStubTest, UdpAnswerTooLargeForAClientWithoutEdnsIsTruncated) {
    ResolverNetns one(1);
    startStub({upstream(one)});

    const Bytes answer = askUdp("127.53.0.3", makeQuery(0x5151, "big.probe.test", 16));

    ASSERT_GE(answer.size(), 12u);
    EXPECT_LE(answer.size(), 512u);
    EXPECT_EQ(u16(answer, 0), 0x5151);
    EXPECT_NE(answer[2] & 0x02, 0) << "TC not set";
    EXPECT_EQ(u16(answer, 4), 1); // the question stays
    EXPECT_EQ(u16(answer, 6), 0); // no answer records
    EXPECT_EQ(stub->counters().truncated, 1u);

    // With EDNS and room for it, the same answer comes whole.
    Bytes query = makeQuery(0x5152, "big.probe.test", 16, true);
    query[query.size() - 8] = 0x10; // UDP payload size 4096
    query[query.size() - 7] = 0x00;
    const Bytes whole = askUdp("127.53.0.3", query);
    EXPECT_EQ(answerRdata(whole, 16).size(), 12u);
    EXPECT_EQ(stub->counters().truncated, 1u);
}

TEST_F(DnsStubTest, PipelinedTcpQueriesAreAllAnswered) {
    ResolverNetns one(1);
    ResolverNetns two(2);
    startStub({upstream(one), upstream(two)});
    const UniqueFd client = tcpConnect("127.53.0.9", stub->port());

    Bytes both = framed(makeQuery(0x1001, "x.probe.test", 1));
    const Bytes second = framed(makeQuery(0x1002, "big.probe.test", 16));
    both.insert(both.end(), second.begin(), second.end());
    ASSERT_EQ(::send(client.get(), both.data(), both.size(), 0), static_cast<ssize_t>(both.size()));

    const auto frames = receiveFrames(client.get(), 2);
    ASSERT_EQ(frames.size(), 2u);
    std::map<uint16_t, Bytes> byId;
    for (const auto& frame : frames) {
        ASSERT_GE(frame.size(), 12u);
        byId[u16(frame, 0)] = frame;
    }
    ASSERT_TRUE(byId.contains(0x1001) && byId.contains(0x1002));
    EXPECT_EQ(firstA(byId[0x1001]), "192.0.2.1");
    EXPECT_EQ(answerRdata(byId[0x1002], 16).size(), 12u); // TCP: never truncated
    EXPECT_EQ(stub->counters().tcpQueries, 2u);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].appIndex, 9);
    EXPECT_EQ(seen[0].transport, Transport::Tcp);
}

TEST_F(DnsStubTest, FailoverToTheNextResolverAndBack) {
    ResolverNetns one(1);
    ResolverNetns two(2);
    const auto first = upstream(one);
    const auto second = upstream(two);
    const auto attemptTimeout = 2000ms;
    startStub({first, second}, attemptTimeout);
    EXPECT_EQ(firstA(askUdp("127.53.0.1", makeQuery(1, "x.probe.test", 1))), "192.0.2.1");

    one.kill();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(firstA(askUdp("127.53.0.1", makeQuery(2, "x.probe.test", 1))), "192.0.2.2");
    EXPECT_LT(std::chrono::steady_clock::now() - start, attemptTimeout);
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(outcomes[1].resolverId, "resolver2.test");
    EXPECT_EQ(outcomes[1].attempts, 2u);
    ASSERT_EQ(outcomes[1].failures.size(), 1u);
    EXPECT_TRUE(outcomes[1].failures[0].starts_with("resolver1.test: refused"))
        << outcomes[1].failures[0];

    // Once resolver 1 counts as unhealthy it is no longer asked first.
    while (first->healthy()) {
        ASSERT_EQ(firstA(askUdp("127.53.0.1", makeQuery(3, "x.probe.test", 1))), "192.0.2.2");
    }
    EXPECT_EQ(firstA(askUdp("127.53.0.1", makeQuery(4, "x.probe.test", 1))), "192.0.2.2");
    EXPECT_EQ(outcomes.back().attempts, 1u);
    EXPECT_TRUE(outcomes.back().failures.empty());

    two.kill();
    const Bytes failed = askUdp("127.53.0.1", makeQuery(5, "x.probe.test", 1));
    ASSERT_GE(failed.size(), 12u);
    EXPECT_EQ(u16(failed, 0), 5);
    EXPECT_EQ(rcodeOf(failed), dns::rcode::ServFail);
    EXPECT_TRUE(outcomes.back().resolverId.empty());
    EXPECT_EQ(outcomes.back().attempts, 2u);
    EXPECT_EQ(outcomes.back().failures.size(), 2u);

    one.start();
    EXPECT_TRUE(loop.runUntil([&] { return first->healthy(); }, 2s)); // its backoff runs out
    EXPECT_EQ(firstA(askUdp("127.53.0.1", makeQuery(6, "x.probe.test", 1))), "192.0.2.1");
    EXPECT_EQ(outcomes.back().resolverId, "resolver1.test");
    EXPECT_TRUE(first->healthy());
    EXPECT_EQ(first->health().consecutiveFailures(), 0u);
}

TEST_F(DnsStubTest, StalledResolverDelaysOnlyTheQueriesAskedOfIt) {
    ResolverNetns one(1);
    ResolverNetns two(2);
    const auto first = upstream(one);
    const auto second = upstream(two);
    const auto attemptTimeout = 600ms;
    startStub({first, second}, attemptTimeout);
    perApp[2] = {second};
    one.pause(); // nothing answers, nothing refuses

    const UniqueFd slow = connectedUdp("127.53.0.1", stub->port());
    const UniqueFd fast = connectedUdp("127.53.0.2", stub->port());
    const Bytes slowQuery = makeQuery(0x51, "x.probe.test", 1);
    const Bytes fastQuery = makeQuery(0xFA, "x.probe.test", 1);
    const auto start = std::chrono::steady_clock::now();
    ::send(slow.get(), slowQuery.data(), slowQuery.size(), 0);
    ::send(fast.get(), fastQuery.data(), fastQuery.size(), 0);

    const auto fastAnswer = receiveDatagram(fast.get());
    ASSERT_TRUE(fastAnswer);
    EXPECT_LT(std::chrono::steady_clock::now() - start, attemptTimeout / 2);
    EXPECT_EQ(firstA(*fastAnswer), "192.0.2.2");

    const auto slowAnswer = receiveDatagram(slow.get());
    ASSERT_TRUE(slowAnswer);
    EXPECT_GE(std::chrono::steady_clock::now() - start, attemptTimeout);
    EXPECT_EQ(firstA(*slowAnswer), "192.0.2.2");
    EXPECT_EQ(outcomes.back().failures, std::vector<std::string>{"resolver1.test: timeout"});
    one.resume();
}

TEST_F(DnsStubTest, DotAnswerReachesTheClientWithoutItsPadding) {
    ResolverNetns one(1);
    const std::shared_ptr<dns::Upstream> tls = dns::makeUpstream(dot(one), loop.hooks());
    startStub({tls});

    const Bytes answer = askUdp("127.53.0.13", makeQuery(0x0D07, "x.probe.test", 1, true));

    EXPECT_EQ(firstA(answer), "192.0.2.1");
    const dns::Message parsed = dns::parse(answer);
    ASSERT_TRUE(parsed.edns);
    for (const auto& option : parsed.edns->options) {
        EXPECT_NE(option.code, dns::kEdnsPaddingOption);
    }
}

TEST_F(DnsStubTest, ForwarderMayHoldTheLastReferenceToAnUpstream) {
    ResolverNetns one(1);
    forwarder = std::make_unique<dns::QueryForwarder>(loop.hooks());
    std::optional<dns::ForwardOutcome> outcome;
    forwarder->forward(makeQuery(0x1A57, "x.probe.test", 1), {upstream(one)},
                       [&outcome](dns::ForwardOutcome o) { outcome = std::move(o); });

    ASSERT_TRUE(loop.runUntil([&] { return outcome.has_value(); }));
    loop.runFor(20ms); // the upstream is released from the loop, not from its own callback
    ASSERT_GE(outcome->answer.size(), 12u);
    EXPECT_EQ(firstA(outcome->answer), "192.0.2.1");
    EXPECT_EQ(u16(outcome->answer, 0), 0x1A57);
    EXPECT_EQ(forwarder->inFlight(), 0u);
}

TEST_F(DnsStubTest, NoCandidatesIsServfail) {
    startStub({});
    const Bytes answer = askUdp("127.53.0.4", makeQuery(0x4444, "x.probe.test", 1, true));
    ASSERT_GE(answer.size(), 12u);
    EXPECT_EQ(u16(answer, 0), 0x4444);
    EXPECT_EQ(rcodeOf(answer), dns::rcode::ServFail);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes[0].attempts, 0u);
}

TEST_F(DnsStubTest, BadInputIsAnsweredOrDroppedAndTheStubKeepsServing) {
    ResolverNetns one(1);
    startStub({upstream(one)}, 500ms);
    UniqueFd client(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const sockaddr_in stubAddress = socketAddress("127.53.0.5", stub->port());
    const auto sendBytes = [&](const Bytes& bytes) {
        ::sendto(client.get(), bytes.data(), bytes.size(), 0,
                 reinterpret_cast<const sockaddr*>(&stubAddress), sizeof stubAddress);
    };

    // Random garbage, half of it with QR clear so that it reaches the parser.
    std::mt19937 random(20240603);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 700);
    for (int i = 0; i < 200; ++i) {
        Bytes junk(length(random));
        for (auto& b : junk) {
            b = static_cast<uint8_t>(byte(random));
        }
        if (junk.size() > 2 && i % 2 == 0) {
            junk[2] &= 0x7F;
        }
        sendBytes(junk);
    }
    // Whatever comes back is a response (QR set), never a crash.
    loop.runFor(200ms);
    EXPECT_TRUE(loop.runUntil([&] { return forwarder->inFlight() == 0; }, 3s));
    for (auto reply = receiveDatagram(client.get(), 200ms); reply;
         reply = receiveDatagram(client.get(), 200ms)) {
        ASSERT_GE(reply->size(), 12u);
        EXPECT_NE((*reply)[2] & 0x80, 0);
    }

    Bytes tooShort = {0x12, 0x34, 0x01, 0x00, 0x00};
    Bytes response = makeQuery(0x2222, "x.probe.test", 1);
    response[2] |= 0x80;
    Bytes twoQuestions = makeQuery(0x3333, "x.probe.test", 1);
    twoQuestions[5] = 2;
    Bytes noQuestion = makeQuery(0x4444, "x.probe.test", 1);
    noQuestion.resize(12);
    Bytes status = makeQuery(0x5555, "x.probe.test", 1);
    status[2] = 2 << 3; // opcode 2 (STATUS)
    const auto malformedBefore = stub->counters().malformed;

    sendBytes(tooShort);
    sendBytes(response);
    sendBytes(twoQuestions);
    const auto first = receiveDatagram(client.get());
    ASSERT_TRUE(first && first->size() >= 12);
    EXPECT_EQ(u16(*first, 0), 0x3333) << "the short datagram or the response was answered";
    EXPECT_EQ(rcodeOf(*first), dns::rcode::FormErr);

    sendBytes(noQuestion);
    const auto second = receiveDatagram(client.get());
    ASSERT_TRUE(second && second->size() >= 12);
    EXPECT_EQ(u16(*second, 0), 0x4444);
    EXPECT_EQ(rcodeOf(*second), dns::rcode::FormErr);

    sendBytes(status);
    const auto third = receiveDatagram(client.get());
    ASSERT_TRUE(third && third->size() >= 12);
    EXPECT_EQ(u16(*third, 0), 0x5555);
    EXPECT_EQ(rcodeOf(*third), dns::rcode::NotImp);
    EXPECT_EQ((*third)[2] >> 3 & 0x0F, 2); // the opcode is echoed
    EXPECT_EQ(stub->counters().malformed, malformedBefore + 5);

    // The same over TCP, on one connection, then a real query on it.
    const UniqueFd tcp = tcpConnect("127.53.0.5", stub->port());
    Bytes stream = framed(tooShort);
    for (const Bytes* message : {&twoQuestions, &status}) {
        const Bytes frame = framed(*message);
        stream.insert(stream.end(), frame.begin(), frame.end());
    }
    const Bytes real = framed(makeQuery(0x6666, "x.probe.test", 1));
    stream.insert(stream.end(), real.begin(), real.end());
    ASSERT_EQ(::send(tcp.get(), stream.data(), stream.size(), 0),
              static_cast<ssize_t>(stream.size()));
    const auto frames = receiveFrames(tcp.get(), 3);
    ASSERT_EQ(frames.size(), 3u);
    for (const auto& frame : frames) {
        ASSERT_GE(frame.size(), 12u);
    }
    EXPECT_EQ(u16(frames[0], 0), 0x3333);
    EXPECT_EQ(rcodeOf(frames[0]), dns::rcode::FormErr);
    EXPECT_EQ(u16(frames[1], 0), 0x5555);
    EXPECT_EQ(rcodeOf(frames[1]), dns::rcode::NotImp);
    EXPECT_EQ(firstA(frames[2]), "192.0.2.1");

    EXPECT_EQ(firstA(askUdp("127.53.0.5", makeQuery(0x7777, "x.probe.test", 1))), "192.0.2.1");
}

TEST_F(DnsStubTest, ReplyAfterTheClientLeftOrTheStubIsGoneIsHarmless) {
    startLocalStub([](const Bytes&) { return std::nullopt; }); // keep every Reply
    const UniqueFd udp = connectedUdp("127.53.0.6", stub->port());
    const Bytes query = makeQuery(0x0606, "x.probe.test", 1);
    ::send(udp.get(), query.data(), query.size(), 0);
    ASSERT_TRUE(loop.runUntil([&] { return keptReplies.size() == 1; }));
    {
        const UniqueFd tcp = tcpConnect("127.53.0.6", stub->port());
        const Bytes frame = framed(query);
        ::send(tcp.get(), frame.data(), frame.size(), 0);
        ASSERT_TRUE(loop.runUntil([&] { return keptReplies.size() == 2; }));
        const linger reset{1, 0};
        ::setsockopt(tcp.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    } // closed with a RST: the stub drops the connection with the query still unanswered
    ASSERT_EQ(seen[1].transport, Transport::Tcp);
    EXPECT_TRUE(loop.runUntil([&] { return stub->tcpConnections() == 0; }));

    keptReplies[1](dns::servfail(query));
    loop.runFor(50ms);

    startLocalStub([](const Bytes&) { return std::nullopt; }); // the first stub is destroyed
    keptReplies[0](dns::servfail(query));
    keptReplies[0](dns::servfail(query)); // twice
    loop.runFor(50ms);
    EXPECT_FALSE(receiveDatagram(udp.get(), 100ms));
}

TEST_F(DnsStubTest, ReplyCalledTwiceSendsOneAnswer) {
    startLocalStub([](const Bytes&) { return std::nullopt; });
    const UniqueFd udp = connectedUdp("127.53.0.6", stub->port());
    const Bytes query = makeQuery(0x0707, "x.probe.test", 1);
    ::send(udp.get(), query.data(), query.size(), 0);
    ASSERT_TRUE(loop.runUntil([&] { return keptReplies.size() == 1; }));

    keptReplies[0](dns::nxdomain(query));
    keptReplies[0](dns::servfail(query));

    const auto answer = receiveDatagram(udp.get());
    ASSERT_TRUE(answer);
    EXPECT_EQ(rcodeOf(*answer), dns::rcode::NXDomain);
    EXPECT_FALSE(receiveDatagram(udp.get(), 100ms));
    EXPECT_EQ(stub->counters().answered, 1u);
}

TEST_F(DnsStubTest, IdleTcpConnectionsAreClosed) {
    startLocalStub([](const Bytes& query) { return dns::nxdomain(query); });
    const UniqueFd client = tcpConnect("127.53.0.8", stub->port());
    const Bytes frame = framed(makeQuery(8, "x.probe.test", 1));
    ::send(client.get(), frame.data(), frame.size(), 0);
    ASSERT_EQ(receiveFrames(client.get(), 1).size(), 1u);
    ASSERT_EQ(stub->tcpConnections(), 1u);

    loop.fireTimers(); // the 10 s idle timeout, without waiting for it
    EXPECT_TRUE(closedByPeer(client.get()));
    EXPECT_EQ(stub->tcpConnections(), 0u);
}

TEST_F(DnsStubTest, ConnectionBeyondTheLimitClosesTheLongestIdle) {
    startLocalStub([](const Bytes& query) { return dns::nxdomain(query); });
    std::vector<UniqueFd> clients;
    for (int i = 0; i < 128; ++i) {
        clients.push_back(tcpConnect("127.53.0.10", stub->port()));
        if (i == 0) {
            ASSERT_TRUE(loop.runUntil([&] { return stub->tcpConnections() == 1; }));
        }
    }
    ASSERT_TRUE(loop.runUntil([&] { return stub->tcpConnections() == 128; }));

    const UniqueFd extra = tcpConnect("127.53.0.10", stub->port());
    EXPECT_TRUE(closedByPeer(clients[0].get()));
    EXPECT_EQ(stub->tcpConnections(), 128u);
    const Bytes frame = framed(makeQuery(10, "x.probe.test", 1));
    ::send(extra.get(), frame.data(), frame.size(), 0);
    const auto frames = receiveFrames(extra.get(), 1);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(rcodeOf(frames[0]), dns::rcode::NXDomain);
}

TEST_F(DnsStubTest, ClientThatDoesNotReadIsDisconnected) {
    // 60 KB answers to a client with a tiny receive window that never reads.
    startLocalStub([](const Bytes& query) {
        Bytes answer = query;
        answer[2] |= 0x80;
        answer.resize(60000, 0);
        return answer;
    });
    const UniqueFd client = tcpConnect("127.53.0.11", stub->port(), 4096);
    Bytes stream;
    for (uint16_t id = 0; id < 200; ++id) {
        const Bytes frame = framed(makeQuery(id, "x.probe.test", 1));
        stream.insert(stream.end(), frame.begin(), frame.end());
    }
    ASSERT_EQ(::send(client.get(), stream.data(), stream.size(), 0),
              static_cast<ssize_t>(stream.size()));

    EXPECT_TRUE(loop.runUntil([&] { return stub->tcpConnections() == 0 && !seen.empty(); }));
    // It stopped there: the remaining queries were neither handled nor answered.
    EXPECT_LT(seen.size(), 200u);
    EXPECT_LT(stub->counters().answered, 200u);
}

TEST_F(DnsStubTest, BusyPortIsAClearError) {
    startLocalStub([](const Bytes& query) { return dns::nxdomain(query); });
    const uint16_t port = stub->port();
    try {
        DnsStub second(loop.hooks(), port, [](const DnsStub::StubQuery&, const DnsStub::Reply&) {});
        FAIL() << "a second stub bound the same port";
    } catch (const std::system_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  "bind 0.0.0.0:" + std::to_string(port) + " (udp): Address already in use");
    }
    // The first one still serves.
    EXPECT_EQ(rcodeOf(askUdp("127.53.0.12", makeQuery(12, "x.probe.test", 1))),
              dns::rcode::NXDomain);
}

} // namespace
} // namespace mamori::test
