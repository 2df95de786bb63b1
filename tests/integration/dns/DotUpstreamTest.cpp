// DotUpstream against real unbound resolvers (DoT on 853, certificate from a test CA).
#include "dns/upstream/DotUpstream.h"

#include "PacketCapture.h"
#include "UpstreamTestSupport.h"
#include "dns/upstream/TlsContext.h"

#include <cstdio>
#include <memory>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <set>

namespace mamori::test {
namespace {

using namespace std::chrono_literals;
using dns::DotUpstream;
using dns::UpstreamError;

std::string pinOfCertificateFile(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
    if (!file) {
        return {};
    }
    std::unique_ptr<X509, void (*)(X509*)> cert(
        PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
    return dns::TlsContext::spkiPin(cert.get());
}

// Packets to the resolver's plain-DNS port, in either protocol.
std::size_t plainDnsPackets(const std::vector<PacketCapture::Packet>& packets,
                            const std::string& resolver) {
    std::size_t count = 0;
    for (const auto& p : packets) {
        if (p.destination == resolver && p.destinationPort == 53 &&
            (p.protocol == IPPROTO_UDP || p.protocol == IPPROTO_TCP)) {
            ++count;
        }
    }
    return count;
}

std::size_t packetsToPort(const std::vector<PacketCapture::Packet>& packets,
                          const std::string& resolver, uint16_t port) {
    std::size_t count = 0;
    for (const auto& p : packets) {
        count += p.destination == resolver && p.destinationPort == port ? 1 : 0;
    }
    return count;
}

class DotUpstreamTest : public UpstreamTest {};

TEST_F(DotUpstreamTest, AnswersOverVerifiedTlsAndNothingInClear) {
    ResolverNetns one(1);
    PacketCapture capture(one.hostInterface());
    DotUpstream upstream(dot(one), loop.hooks());

    const auto result = ask(upstream, makeQuery(0xbeef, "x.probe.test", 1));

    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(firstA(result.answer), "192.0.2.1");
    EXPECT_EQ(u16(result.answer, 0), 0xbeef);
    EXPECT_EQ(upstream.handshakesCompleted(), 1u);
    const auto packets = capture.drain();
    EXPECT_GT(packetsToPort(packets, one.address(), 853), 0u);
    EXPECT_EQ(plainDnsPackets(packets, one.address()), 0u);
}

TEST_F(DotUpstreamTest, WrongNameFailsVerificationAndNothingIsSentInClear) {
    ResolverNetns one(1);
    PacketCapture capture(one.hostInterface());
    auto endpoint = dot(one);
    endpoint.tlsName = "resolver9.test";
    DotUpstream upstream(endpoint, loop.hooks());

    const auto result = ask(upstream, makeQuery(1, "x.probe.test", 1));

    EXPECT_EQ(result.error, UpstreamError::TlsFailure);
    EXPECT_NE(result.reason.find("certificate verification failed"), std::string::npos)
        << result.reason;
    EXPECT_NE(result.reason.find("hostname mismatch"), std::string::npos) << result.reason;
    EXPECT_EQ(upstream.handshakesCompleted(), 0u);
    loop.runFor(100ms); // anything a fallback would send has left by now
    const auto packets = capture.drain();
    EXPECT_GT(packetsToPort(packets, one.address(), 853), 0u); // the capture does see traffic
    EXPECT_EQ(plainDnsPackets(packets, one.address()), 0u);
}

TEST_F(DotUpstreamTest, UnknownCaFailsVerification) {
    ResolverNetns one(1);
    ResolverNetns two(2);
    auto endpoint = dot(one);
    endpoint.caFile = two.caFile(); // a CA that did not sign resolver1's certificate
    DotUpstream upstream(endpoint, loop.hooks());

    const auto result = ask(upstream, makeQuery(1, "x.probe.test", 1));

    EXPECT_EQ(result.error, UpstreamError::TlsFailure);
    EXPECT_NE(result.reason.find("certificate verification failed"), std::string::npos)
        << result.reason;
}

TEST_F(DotUpstreamTest, SpkiPinIsEnforced) {
    ResolverNetns one(1);
    const std::string pin = pinOfCertificateFile(one.certificateFile());
    ASSERT_EQ(pin.size(), 44u);

    auto wrong = dot(one);
    wrong.spkiPin = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    DotUpstream pinnedWrong(wrong, loop.hooks());
    const auto refused = ask(pinnedWrong, makeQuery(1, "x.probe.test", 1));
    EXPECT_EQ(refused.error, UpstreamError::TlsFailure);
    EXPECT_NE(refused.reason.find("SPKI pin mismatch"), std::string::npos) << refused.reason;

    auto right = dot(one);
    right.spkiPin = pin;
    DotUpstream pinnedRight(right, loop.hooks());
    const auto accepted = ask(pinnedRight, makeQuery(2, "x.probe.test", 1));
    ASSERT_TRUE(accepted.ok()) << accepted.reason;
    EXPECT_EQ(firstA(accepted.answer), "192.0.2.1");
}

TEST_F(DotUpstreamTest, FiftyPipelinedQueriesShareOneConnectionAndArePadded) {
    ResolverNetns one(1);
    DotUpstream upstream(dot(one), loop.hooks());
    std::vector<std::size_t> wireSizes;
    std::set<uint16_t> wireIds;
    upstream.setWireObserver([&](std::span<const uint8_t> message) {
        wireSizes.push_back(message.size());
        wireIds.insert(static_cast<uint16_t>((message[0] << 8) | message[1]));
    });

    std::size_t answered = 0;
    for (uint16_t i = 0; i < 50; ++i) {
        // Every caller uses the same id: the connection must still tell them apart.
        upstream.send(makeQuery(42, "x.probe.test", 1, i % 2 == 0), 3s,
                      [&answered](const dns::UpstreamResult& r) {
                          EXPECT_TRUE(r.ok()) << r.reason;
                          EXPECT_EQ(u16(r.answer, 0), 42);
                          EXPECT_EQ(firstA(r.answer), "192.0.2.1");
                          ++answered;
                      });
    }
    EXPECT_TRUE(loop.runUntil([&] { return answered == 50; }));

    EXPECT_EQ(upstream.connectionsOpened(), 1u);
    EXPECT_EQ(upstream.handshakesCompleted(), 1u);
    EXPECT_EQ(wireIds.size(), 50u);
    ASSERT_EQ(wireSizes.size(), 50u);
    for (const auto size : wireSizes) {
        EXPECT_EQ(size % 128, 0u) << size;
    }
}

TEST_F(DotUpstreamTest, ConnectionIsReusedThenClosedWhenIdleAndReopenedOnDemand) {
    ResolverNetns one(1);
    dns::UpstreamOptions options;
    options.idleTimeout = 200ms;
    DotUpstream upstream(dot(one), loop.hooks(), options);

    ASSERT_TRUE(ask(upstream, makeQuery(1, "x.probe.test", 1)).ok());
    ASSERT_TRUE(ask(upstream, makeQuery(2, "x.probe.test", 1)).ok());
    EXPECT_EQ(upstream.connectionsOpened(), 1u);

    loop.runFor(400ms);
    EXPECT_FALSE(upstream.connected());

    ASSERT_TRUE(ask(upstream, makeQuery(3, "x.probe.test", 1)).ok());
    EXPECT_EQ(upstream.connectionsOpened(), 2u);
}

TEST_F(DotUpstreamTest, HungResolverTimesOutAndTurnsUnhealthyThenRecovers) {
    ResolverNetns one(1);
    dns::UpstreamOptions options;
    options.health.failureThreshold = 3;
    options.health.backoff = 300ms;
    DotUpstream upstream(dot(one), loop.hooks(), options);

    one.pause(); // TCP still connects (kernel), the handshake never completes
    for (int i = 0; i < 3; ++i) {
        const auto result = ask(upstream, makeQuery(1, "x.probe.test", 1), 200ms);
        EXPECT_EQ(result.error, UpstreamError::Timeout) << result.reason;
    }
    EXPECT_FALSE(upstream.healthy());

    one.resume();
    loop.runFor(350ms);
    const auto probe = ask(upstream, makeQuery(2, "x.probe.test", 1));
    ASSERT_TRUE(probe.ok()) << probe.reason;
    EXPECT_TRUE(upstream.healthy());
}

TEST_F(DotUpstreamTest, KilledResolverClosesTheConnectionAndRestartedOneAnswersAgain) {
    ResolverNetns one(1);
    dns::UpstreamOptions options;
    options.health.failureThreshold = 2;
    options.health.backoff = 200ms;
    DotUpstream upstream(dot(one), loop.hooks(), options);
    ASSERT_TRUE(ask(upstream, makeQuery(1, "x.probe.test", 1)).ok());

    one.kill();
    for (int i = 0; i < 2; ++i) {
        const auto result = ask(upstream, makeQuery(2, "x.probe.test", 1), 500ms);
        EXPECT_FALSE(result.ok());
        EXPECT_TRUE(result.error == UpstreamError::Refused ||
                    result.error == UpstreamError::ConnectionClosed)
            << toString(result.error) << ": " << result.reason;
    }
    EXPECT_FALSE(upstream.healthy());

    one.start();
    loop.runFor(250ms);
    const auto result = ask(upstream, makeQuery(3, "x.probe.test", 1));
    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_TRUE(upstream.healthy());
}

} // namespace
} // namespace mamori::test
