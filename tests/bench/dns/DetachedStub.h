// The DNS engine's query path without the engine around it: the same DnsStub, QueryForwarder and
// upstream transport DnsEngine builds, but no steering programs, no XDP guard, no app directory,
// router or exposure ledger. Every query goes to one resolver. Clients reach it only by sending
// to a stub address (127.53.H.L:<port>) themselves: the bench's "nothing attached" baseline.
#pragma once

#include "common/EngineHooks.h"
#include "dns/DnsSettings.h"
#include "dns/DnsStub.h"
#include "dns/QueryForwarder.h"
#include "dns/upstream/Upstream.h"

#include <chrono>
#include <cstdint>
#include <memory>

namespace mamori::bench {

class DetachedStub {
public:
    // Forwards to the settings' default resolver, which must be one resolver, not "shard".
    // Throws MamoriError(InvalidArgs) for a shard default; std::system_error from the stub.
    DetachedStub(const EngineHooks& hooks, const dns::DnsSettings& settings, std::uint16_t port,
                 std::chrono::milliseconds queryTimeout);

    std::uint16_t port() const { return stub_->port(); }
    std::uint64_t queries() const { return queries_; }
    std::uint64_t answered() const { return answered_; }
    std::uint64_t servfail() const { return servfail_; }

private:
    void handle(dns::DnsStub::StubQuery query, dns::DnsStub::Reply reply);

    std::shared_ptr<dns::Upstream> upstream_;
    std::unique_ptr<dns::QueryForwarder> forwarder_;
    std::unique_ptr<dns::DnsStub> stub_;
    std::uint64_t queries_ = 0;
    std::uint64_t answered_ = 0;
    std::uint64_t servfail_ = 0;
};

} // namespace mamori::bench
