// An upstream resolver the stub forwards to, driven by mamorid's single-threaded loop.
// send() never blocks: the answer (or the error) comes back through `done`, always from the loop
// (never from inside send()), at most once. Destroying an Upstream drops the callbacks of the
// queries still in flight without calling them; `done` must not destroy the Upstream.
#pragma once

#include "common/EngineHooks.h"
#include "dns/upstream/ResolverEndpoint.h"
#include "dns/upstream/UpstreamHealth.h"
#include "dns/upstream/UpstreamResult.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace mamori::dns {

struct UpstreamOptions {
    HealthPolicy health;
    // DoT: an idle connection is closed after this long without a query in flight.
    std::chrono::milliseconds idleTimeout{10000};
    // Do53: skip UDP and ask over TCP straight away.
    bool tcpOnly = false;
};

class Upstream {
public:
    using Result = UpstreamResult;
    using Done = std::function<void(Result)>;

    Upstream(ResolverEndpoint endpoint, EngineHooks hooks, UpstreamOptions options)
        : endpoint_(std::move(endpoint))
        , hooks_(std::move(hooks))
        , options_(options)
        , health_(options.health) {}
    virtual ~Upstream() = default;
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    // `query` is a complete DNS message; its id is preserved in the answer handed to `done`.
    virtual void send(std::vector<uint8_t> query, std::chrono::milliseconds timeout, Done done) = 0;
    virtual bool healthy() const { return health_.healthy(); }

    const ResolverEndpoint& endpoint() const { return endpoint_; }
    const UpstreamHealth& health() const { return health_; }

protected:
    ResolverEndpoint endpoint_;
    EngineHooks hooks_;
    UpstreamOptions options_;
    UpstreamHealth health_;
};

// The transport the endpoint's protocol names (a DoT endpoint never gets a plain one).
std::unique_ptr<Upstream> makeUpstream(const ResolverEndpoint& endpoint, EngineHooks hooks,
                                       UpstreamOptions options = {});

} // namespace mamori::dns
