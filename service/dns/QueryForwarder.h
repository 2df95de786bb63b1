// Sends one client query to the first upstream of an ordered candidate list that answers: healthy
// candidates first in the given order, then the unhealthy ones (health is advisory: the client
// gets SERVFAIL only when every candidate really failed). One attempt per candidate, each with
// its own timeout; queries are independent, so a dead resolver only delays the queries that were
// asked of it.
//
// An attempt fails on a transport error (timeout, refused, TLS, ...), on an answer that does not
// parse or answers another question, and on an answer with rcode SERVFAIL or REFUSED: the
// resolver could not or would not resolve, and the next one may. EDNS padding in an answer is
// removed: it protects the encrypted hop, and on loopback it would only push answers over the
// client's UDP size.
#pragma once

#include "common/EngineHooks.h"
#include "dns/upstream/Upstream.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mamori::dns {

struct ForwardOutcome {
    std::vector<uint8_t> answer;       // with the client's id; the stub's SERVFAIL when all failed
    std::string resolverId;            // the endpoint id of who answered, empty if none did
    unsigned attempts = 0;             // candidates asked
    std::vector<std::string> failures; // one per failed attempt: "resolver-id: timeout"
};

class QueryForwarder {
public:
    struct Options {
        std::chrono::milliseconds attemptTimeout{2000};
    };
    using Done = std::function<void(ForwardOutcome)>;

    explicit QueryForwarder(EngineHooks hooks);
    QueryForwarder(EngineHooks hooks, Options options);
    ~QueryForwarder();
    QueryForwarder(const QueryForwarder&) = delete;
    QueryForwarder& operator=(const QueryForwarder&) = delete;

    // `query` is a complete DNS message (the stub checked it). The candidates are kept alive until
    // the query ends. `done` runs from the loop, never inside forward(), exactly once unless the
    // forwarder is destroyed first (then never); it must not destroy the forwarder.
    void forward(std::vector<uint8_t> query, std::vector<std::shared_ptr<Upstream>> candidates,
                 Done done);

    std::size_t inFlight() const { return forwards_.size(); }

private:
    struct Forward;

    void attemptNext(const std::shared_ptr<Forward>& forward);
    void onResult(const std::shared_ptr<Forward>& forward, unsigned attempt, UpstreamResult result);
    void fail(const std::shared_ptr<Forward>& forward, const std::string& failure);
    void finish(const std::shared_ptr<Forward>& forward, std::vector<uint8_t> answer,
                std::string resolverId);

    EngineHooks hooks_;
    Options options_;
    uint64_t nextKey_ = 1;
    std::map<uint64_t, std::shared_ptr<Forward>> forwards_;
    // The candidates of finished queries, released from a zero-delay timer: the last reference
    // may be ours, and an upstream must not be destroyed inside its own callback.
    std::vector<std::shared_ptr<Upstream>> releasing_;
    uint64_t releaseTimer_ = 0;
};

} // namespace mamori::dns
