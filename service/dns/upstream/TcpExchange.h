// One DNS-over-TCP exchange for Do53 (RFC 7766 framing): connect, send the query, read the
// answer with the same id and question, report once. Used when a UDP answer came back truncated
// or the upstream is configured TCP-only. The owner keeps it alive until it reported and times
// it out itself.
#pragma once

#include "common/EngineHooks.h"
#include "common/UniqueFd.h"
#include "dns/upstream/ReadinessWatch.h"
#include "dns/upstream/SocketAddress.h"
#include "dns/upstream/UpstreamResult.h"

#include <functional>
#include <memory>
#include <vector>

namespace mamori::dns {

class TcpExchange {
public:
    // `query` carries the id to match. `done` runs from the loop, at most once, and may retire
    // (but not destroy) this exchange.
    TcpExchange(EngineHooks& hooks, const SocketAddress& address, std::vector<uint8_t> query,
                std::function<void(UpstreamResult)> done);
    ~TcpExchange();
    TcpExchange(const TcpExchange&) = delete;
    TcpExchange& operator=(const TcpExchange&) = delete;

private:
    void onReady(ReadinessWatch::Events events);
    bool flush();
    bool receive();
    void finish(UpstreamResult result);

    EngineHooks& hooks_;
    uint64_t failTimer_ = 0;
    std::vector<uint8_t> query_;
    std::vector<uint8_t> out_; // framed query still to send
    std::vector<uint8_t> in_;  // bytes of the framed answer so far
    bool connected_ = false;
    bool finished_ = false;
    std::function<void(UpstreamResult)> done_;
    UniqueFd fd_;
    std::unique_ptr<ReadinessWatch> watch_;
};

} // namespace mamori::dns
