// Shared by the upstream tests: skip unless root with ip/unbound/openssl, a poll loop, and a
// synchronous ask() over the asynchronous Upstream API.
#pragma once

#include "DnsTestMessages.h"
#include "ResolverNetns.h"
#include "TestLoop.h"
#include "dns/upstream/Upstream.h"

#include <gtest/gtest.h>
#include <optional>

namespace mamori::test {

class UpstreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const std::string reason = ResolverNetns::skipReason(); !reason.empty()) {
            GTEST_SKIP() << reason;
        }
    }

    dns::UpstreamResult ask(dns::Upstream& upstream, std::vector<uint8_t> query,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
        std::optional<dns::UpstreamResult> result;
        upstream.send(std::move(query), timeout,
                      [&result](dns::UpstreamResult r) { result = std::move(r); });
        EXPECT_TRUE(
            loop.runUntil([&] { return result.has_value(); }, timeout + std::chrono::seconds(1)));
        return result.value_or(
            dns::UpstreamResult::failure(dns::UpstreamError::Timeout, "test loop gave up"));
    }

    static dns::ResolverEndpoint do53(const ResolverNetns& resolver) {
        dns::ResolverEndpoint endpoint;
        endpoint.id = resolver.tlsName();
        endpoint.address = resolver.address();
        endpoint.port = 53;
        endpoint.protocol = dns::Protocol::Do53;
        return endpoint;
    }

    static dns::ResolverEndpoint dot(const ResolverNetns& resolver) {
        dns::ResolverEndpoint endpoint;
        endpoint.id = resolver.tlsName();
        endpoint.address = resolver.address();
        endpoint.port = 853;
        endpoint.protocol = dns::Protocol::DoT;
        endpoint.tlsName = resolver.tlsName();
        endpoint.caFile = resolver.caFile();
        return endpoint;
    }

    TestLoop loop;
};

} // namespace mamori::test
