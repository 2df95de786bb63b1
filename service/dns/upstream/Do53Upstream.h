// Plain DNS to one resolver: UDP over one connected non-blocking socket (answers matched by a
// random id and the question, so a spoofed datagram with a guessed id is ignored), retried over
// TCP when the answer is truncated (TC=1) or when the endpoint is configured TCP-only.
#pragma once

#include "common/UniqueFd.h"
#include "dns/upstream/ReadinessWatch.h"
#include "dns/upstream/SocketAddress.h"
#include "dns/upstream/TcpExchange.h"
#include "dns/upstream/Upstream.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace mamori::dns {

class Do53Upstream : public Upstream {
public:
    Do53Upstream(ResolverEndpoint endpoint, EngineHooks hooks, UpstreamOptions options = {});
    ~Do53Upstream() override;

    void send(std::vector<uint8_t> query, std::chrono::milliseconds timeout, Done done) override;

    uint64_t udpQueriesSent() const { return udpSent_; }
    uint64_t tcpQueriesSent() const { return tcpSent_; }
    std::size_t inFlight() const { return pending_.size(); }

private:
    struct Pending {
        std::vector<uint8_t> query; // with the id on the wire
        uint16_t originalId = 0;
        Done done;
        uint64_t timer = 0;
        bool overTcp = false;
    };

    bool ensureUdpSocket();
    void onUdpReadable();
    void handleUdpAnswer(std::vector<uint8_t> answer);
    void failAllUdp(UpstreamError error, const std::string& reason);
    void startTcp(uint64_t key);
    uint16_t unusedUdpId() const;
    void complete(uint64_t key, UpstreamResult result);
    void failLater(uint64_t key, UpstreamError error, const std::string& reason);
    void retire(uint64_t key);

    std::optional<SocketAddress> address_;
    UniqueFd udp_;
    std::unique_ptr<ReadinessWatch> udpWatch_;
    uint64_t nextKey_ = 1;
    std::map<uint64_t, Pending> pending_;
    std::map<uint16_t, uint64_t> udpIds_; // id on the wire → pending key
    std::map<uint64_t, std::unique_ptr<TcpExchange>> tcp_;
    // Exchanges that reported: freed from a zero-delay timer, not from their own callback.
    std::vector<std::unique_ptr<TcpExchange>> retired_;
    uint64_t reapTimer_ = 0;
    uint64_t udpSent_ = 0;
    uint64_t tcpSent_ = 0;
};

} // namespace mamori::dns
