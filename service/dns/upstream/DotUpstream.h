// DNS over TLS (RFC 7858) to one resolver. One connection, opened on demand and kept while
// queries flow: queries are pipelined on it (RFC 7766: several in flight, 2-byte length framing),
// each with an id unique on the connection (restored in the answer), padded to 128-byte blocks
// (RFC 8467). The chain is verified against the system store (or the endpoint's CA file) and the
// endpoint's tlsName; an SPKI pin, if configured, is checked before anything is written. An idle
// connection closes after options.idleTimeout. Never falls back to plain DNS.
#pragma once

#include "dns/upstream/ReadinessWatch.h"
#include "dns/upstream/SocketAddress.h"
#include "dns/upstream/TlsContext.h"
#include "dns/upstream/Upstream.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace mamori::dns {

class DotUpstream : public Upstream {
public:
    // Throws std::runtime_error if the TLS context (CA file) cannot be set up.
    DotUpstream(ResolverEndpoint endpoint, EngineHooks hooks, UpstreamOptions options = {});
    ~DotUpstream() override;

    void send(std::vector<uint8_t> query, std::chrono::milliseconds timeout, Done done) override;

    uint64_t connectionsOpened() const { return connectionsOpened_; }
    uint64_t handshakesCompleted() const { return handshakes_; }
    bool connected() const { return conn_ != nullptr; }
    std::size_t inFlight() const { return pending_.size(); }
    // Sees every DNS message exactly as it is about to go into TLS (padded, wire id); for tests.
    void setWireObserver(std::function<void(std::span<const uint8_t>)> observer) {
        wireObserver_ = std::move(observer);
    }

private:
    enum class State { Connecting, Handshaking, Ready };
    struct Connection {
        UniqueFd fd;
        SslPtr ssl;
        std::unique_ptr<ReadinessWatch> watch;
        State state = State::Connecting;
        std::vector<uint8_t> writing;     // handed to SSL_write; retried as is after WANT_WRITE
        std::vector<uint8_t> outbox;      // framed queries waiting for `writing` to drain
        std::vector<uint8_t> in;          // received bytes not yet a whole frame
        std::map<uint16_t, uint64_t> ids; // id on this connection → pending key
    };
    struct Pending {
        std::vector<uint8_t> query; // as given
        std::vector<uint8_t> wire;  // as sent on the current connection
        Done done;
        uint64_t timer = 0;
        unsigned attempts = 0;
    };

    void enqueue(uint64_t key);
    bool openConnection(std::string& error);
    void onReady(ReadinessWatch::Events events);
    void handshake();
    void readAvailable();
    void handleFrame(std::vector<uint8_t> answer);
    void flush();
    // Drops the connection; its queries are retried once on a new one if `retry`, failed else.
    void closeConnection(UpstreamError error, const std::string& reason, bool retry);
    void complete(uint64_t key, UpstreamResult result);
    void failLater(uint64_t key, UpstreamError error, const std::string& reason);
    void armIdleTimer();
    void cancelIdleTimer();

    std::optional<SocketAddress> address_;
    std::unique_ptr<TlsContext> tls_;
    std::unique_ptr<Connection> conn_;
    std::vector<std::unique_ptr<Connection>> retired_; // freed from a timer, not a callback
    uint64_t reapTimer_ = 0;
    uint64_t idleTimer_ = 0;
    uint64_t nextKey_ = 1;
    std::map<uint64_t, Pending> pending_;
    uint64_t connectionsOpened_ = 0;
    uint64_t handshakes_ = 0;
    std::function<void(std::span<const uint8_t>)> wireObserver_;
};

} // namespace mamori::dns
