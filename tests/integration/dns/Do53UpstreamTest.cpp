// Do53Upstream against real unbound resolvers in network namespaces.
#include "dns/upstream/Do53Upstream.h"

#include "UpstreamTestSupport.h"

namespace mamori::test {
namespace {

using namespace std::chrono_literals;
using dns::Do53Upstream;
using dns::UpstreamError;

class Do53UpstreamTest : public UpstreamTest {};

TEST_F(Do53UpstreamTest, UdpAnswerComesFromTheResolverAskedWithTheQueryId) {
    ResolverNetns one(1);
    ResolverNetns two(2);
    Do53Upstream first(do53(one), loop.hooks());
    Do53Upstream second(do53(two), loop.hooks());

    const auto a = ask(first, makeQuery(0x1234, "x.probe.test", 1));
    const auto b = ask(second, makeQuery(0x4321, "x.probe.test", 1));

    ASSERT_TRUE(a.ok()) << a.reason;
    ASSERT_TRUE(b.ok()) << b.reason;
    EXPECT_EQ(firstA(a.answer), "192.0.2.1");
    EXPECT_EQ(firstA(b.answer), "192.0.2.2");
    EXPECT_EQ(u16(a.answer, 0), 0x1234); // the random wire id was restored
    EXPECT_EQ(u16(b.answer, 0), 0x4321);
    EXPECT_EQ(first.udpQueriesSent(), 1u);
    EXPECT_EQ(first.tcpQueriesSent(), 0u);
    EXPECT_TRUE(first.healthy());
}

TEST_F(Do53UpstreamTest, TcpOnlyAsksOverTcp) {
    ResolverNetns one(1);
    dns::UpstreamOptions options;
    options.tcpOnly = true;
    Do53Upstream upstream(do53(one), loop.hooks(), options);

    const auto result = ask(upstream, makeQuery(7, "x.probe.test", 1));

    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(firstA(result.answer), "192.0.2.1");
    EXPECT_EQ(upstream.udpQueriesSent(), 0u);
    EXPECT_EQ(upstream.tcpQueriesSent(), 1u);
}

TEST_F(Do53UpstreamTest, TruncatedUdpAnswerIsRetriedOverTcp) {
    ResolverNetns one(1);
    Do53Upstream upstream(do53(one), loop.hooks());

    // No EDNS: the 12 TXT records do not fit the classic 512 bytes.
    const auto result = ask(upstream, makeQuery(9, "big.probe.test", 16));

    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(result.answer[2] & 0x02, 0); // not truncated
    EXPECT_EQ(answerRdata(result.answer, 16).size(), 12u);
    EXPECT_EQ(upstream.udpQueriesSent(), 1u);
    EXPECT_EQ(upstream.tcpQueriesSent(), 1u);
}

TEST_F(Do53UpstreamTest, ManyQueriesInFlightAreMatchedToTheirCallers) {
    ResolverNetns one(1);
    Do53Upstream upstream(do53(one), loop.hooks());
    std::vector<uint16_t> answeredIds;
    for (uint16_t id = 1; id <= 20; ++id) {
        upstream.send(makeQuery(id, id % 2 == 0 ? "x.probe.test" : "X.Probe.Test", 1), 2s,
                      [&answeredIds, id](const dns::UpstreamResult& r) {
                          EXPECT_TRUE(r.ok()) << r.reason;
                          EXPECT_EQ(u16(r.answer, 0), id);
                          answeredIds.push_back(id);
                      });
    }
    EXPECT_TRUE(loop.runUntil([&] { return answeredIds.size() == 20; }));
    EXPECT_EQ(upstream.inFlight(), 0u);
}

TEST_F(Do53UpstreamTest, StoppedResolverTimesOutAndTurnsUnhealthyThenRecovers) {
    ResolverNetns one(1);
    dns::UpstreamOptions options;
    options.health.failureThreshold = 3;
    options.health.backoff = 300ms;
    Do53Upstream upstream(do53(one), loop.hooks(), options);
    ASSERT_TRUE(ask(upstream, makeQuery(1, "x.probe.test", 1)).ok());

    one.pause();
    for (int i = 0; i < 3; ++i) {
        const auto result = ask(upstream, makeQuery(2, "x.probe.test", 1), 200ms);
        EXPECT_EQ(result.error, UpstreamError::Timeout) << result.reason;
    }
    EXPECT_FALSE(upstream.healthy());

    one.resume();
    loop.runFor(350ms); // the backoff runs out: the next query is a probe
    EXPECT_TRUE(upstream.healthy());
    const auto probe = ask(upstream, makeQuery(3, "x.probe.test", 1));
    ASSERT_TRUE(probe.ok()) << probe.reason;
    EXPECT_EQ(upstream.health().consecutiveFailures(), 0u);
}

TEST_F(Do53UpstreamTest, KilledResolverIsRefusedAndRestartedOneAnswersAgain) {
    ResolverNetns one(1);
    dns::UpstreamOptions options;
    options.health.failureThreshold = 2;
    options.health.backoff = 200ms;
    Do53Upstream upstream(do53(one), loop.hooks(), options);

    one.kill();
    for (int i = 0; i < 2; ++i) {
        const auto result = ask(upstream, makeQuery(4, "x.probe.test", 1), 500ms);
        EXPECT_EQ(result.error, UpstreamError::Refused) << result.reason;
    }
    EXPECT_FALSE(upstream.healthy());

    one.start();
    loop.runFor(250ms);
    const auto result = ask(upstream, makeQuery(5, "x.probe.test", 1));
    ASSERT_TRUE(result.ok()) << result.reason;
    EXPECT_EQ(firstA(result.answer), "192.0.2.1");
    EXPECT_TRUE(upstream.healthy());
}

} // namespace
} // namespace mamori::test
