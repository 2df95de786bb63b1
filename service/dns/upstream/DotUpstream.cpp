#include "dns/upstream/DotUpstream.h"

#include "dns/DnsMessage.h"
#include "dns/upstream/QueryWire.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <openssl/err.h>

namespace mamori::dns {
namespace {

constexpr unsigned kMaxAttempts = 2; // a query is retried once if its connection is closed

void appendFrame(std::vector<uint8_t>& out, std::span<const uint8_t> message) {
    out.push_back(static_cast<uint8_t>(message.size() >> 8));
    out.push_back(static_cast<uint8_t>(message.size() & 0xff));
    out.insert(out.end(), message.begin(), message.end());
}

// RFC 8467: queries padded to 128-byte blocks so their length tells an observer less. A query the
// parser rejects goes as it is: the resolver will judge it, and refusing here would hide why.
std::vector<uint8_t> padded(const std::vector<uint8_t>& query) {
    try {
        return padQuery(query, wire::kPaddingBlock);
    } catch (const std::exception&) {
        return query;
    }
}

} // namespace

DotUpstream::DotUpstream(ResolverEndpoint endpoint, EngineHooks hooks, UpstreamOptions options)
    : Upstream(std::move(endpoint), std::move(hooks), options)
    , address_(SocketAddress::parse(endpoint_.address, endpoint_.port))
    , tls_(std::make_unique<TlsContext>(endpoint_.caFile)) {}

DotUpstream::~DotUpstream() {
    for (const auto& [key, pending] : pending_) {
        hooks_.cancel(pending.timer);
    }
    cancelIdleTimer();
    if (reapTimer_ != 0) {
        hooks_.cancel(reapTimer_);
    }
}

void DotUpstream::send(std::vector<uint8_t> query, std::chrono::milliseconds timeout, Done done) {
    const uint64_t key = nextKey_++;
    Pending& pending = pending_[key];
    pending.done = std::move(done);
    pending.timer = hooks_.after(timeout, [this, key] {
        complete(key, UpstreamResult::failure(UpstreamError::Timeout, "no answer in time"));
        // A connection that never finished its handshake is presumed dead (a resolver that
        // accepts TCP but hangs); the queries still on it get a fresh connection.
        if (conn_ && conn_->state != State::Ready) {
            closeConnection(UpstreamError::Timeout, "TLS handshake did not complete", true);
        }
    });
    if (query.size() < wire::kHeaderSize) {
        failLater(key, UpstreamError::NetworkError, "query shorter than a DNS header");
        return;
    }
    if (!address_) {
        failLater(key, UpstreamError::NetworkError,
                  "resolver address is not an IP literal: " + endpoint_.address);
        return;
    }
    pending.query = std::move(query);
    enqueue(key);
}

void DotUpstream::enqueue(uint64_t key) {
    cancelIdleTimer();
    if (!conn_) {
        std::string error;
        if (!openConnection(error)) {
            failLater(key, UpstreamError::NetworkError, error);
            return;
        }
    }
    Pending& pending = pending_.at(key);
    ++pending.attempts;
    uint16_t id = wire::randomId();
    while (conn_->ids.contains(id)) {
        id = wire::randomId();
    }
    conn_->ids[id] = key;
    pending.wire = padded(pending.query);
    wire::setId(pending.wire, id);
    appendFrame(conn_->outbox, pending.wire);
    if (conn_->state == State::Ready) {
        flush();
    }
}

bool DotUpstream::openConnection(std::string& error) {
    auto conn = std::make_unique<Connection>();
    conn->fd = connectNonBlocking(*address_, SOCK_STREAM);
    if (!conn->fd) {
        error = std::string("connect: ") + std::strerror(errno);
        return false;
    }
    conn->ssl = tls_->newSession(conn->fd.get(), endpoint_.tlsName, error);
    if (!conn->ssl) {
        return false;
    }
    // The watch stops when the connection is retired; the check is belt and braces against an
    // event of an old connection being applied to the current one.
    conn->watch = std::make_unique<ReadinessWatch>(
        hooks_, conn->fd.get(), [this, c = conn.get()](ReadinessWatch::Events events) {
            if (conn_.get() == c) {
                onReady(events);
            }
        });
    conn->watch->want(false, true); // the connect completes with writability
    conn_ = std::move(conn);
    ++connectionsOpened_;
    return true;
}

void DotUpstream::onReady(ReadinessWatch::Events events) {
    switch (conn_->state) {
    case State::Connecting:
        if (!events.writable && !events.error) {
            return;
        }
        if (const int error = socketError(conn_->fd.get()); error != 0) {
            closeConnection(error == ECONNREFUSED ? UpstreamError::Refused
                                                  : UpstreamError::NetworkError,
                            std::string("connect: ") + std::strerror(error), false);
            return;
        }
        conn_->state = State::Handshaking;
        handshake();
        return;
    case State::Handshaking:
        handshake();
        return;
    case State::Ready:
        readAvailable();
        if (conn_ && conn_->state == State::Ready) {
            flush();
        }
        return;
    }
}

void DotUpstream::handshake() {
    ERR_clear_error();
    const int rc = SSL_do_handshake(conn_->ssl.get());
    if (rc != 1) {
        switch (SSL_get_error(conn_->ssl.get(), rc)) {
        case SSL_ERROR_WANT_READ:
            conn_->watch->want(true, false);
            return;
        case SSL_ERROR_WANT_WRITE:
            conn_->watch->want(true, true);
            return;
        default:
            closeConnection(UpstreamError::TlsFailure, TlsContext::failureReason(conn_->ssl.get()),
                            false);
            return;
        }
    }
    // The chain and the name were verified inside the handshake (SSL_VERIFY_PEER + set1_host);
    // the pin is checked before the first query is written.
    if (!endpoint_.spkiPin.empty()) {
        const std::string pin = TlsContext::peerSpkiPin(conn_->ssl.get());
        if (pin != endpoint_.spkiPin) {
            closeConnection(UpstreamError::TlsFailure,
                            "SPKI pin mismatch: server key is " + pin + ", expected " +
                                endpoint_.spkiPin,
                            false);
            return;
        }
    }
    conn_->state = State::Ready;
    ++handshakes_;
    conn_->watch->want(true, false);
    flush();
    if (conn_ && conn_->state == State::Ready) {
        readAvailable(); // TLS 1.3 may have brought session tickets along with the Finished
    }
}

void DotUpstream::readAvailable() {
    std::array<uint8_t, 16384> buffer{};
    while (conn_) {
        ERR_clear_error();
        std::size_t n = 0;
        const int rc = SSL_read_ex(conn_->ssl.get(), buffer.data(), buffer.size(), &n);
        if (rc != 1) {
            const int error = SSL_get_error(conn_->ssl.get(), rc);
            if (error == SSL_ERROR_WANT_READ) {
                return;
            }
            if (error == SSL_ERROR_WANT_WRITE) {
                conn_->watch->want(true, true);
                return;
            }
            const std::string reason = error == SSL_ERROR_ZERO_RETURN
                                           ? "resolver closed the connection"
                                           : TlsContext::failureReason(nullptr);
            closeConnection(UpstreamError::ConnectionClosed, reason, true);
            return;
        }
        auto& in = conn_->in;
        in.insert(in.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
        while (conn_ && conn_->in.size() >= 2) {
            const std::size_t length = (std::size_t{conn_->in[0]} << 8) | conn_->in[1];
            if (conn_->in.size() < 2 + length) {
                break;
            }
            const auto end = conn_->in.begin() + static_cast<std::ptrdiff_t>(2 + length);
            std::vector<uint8_t> answer(conn_->in.begin() + 2, end);
            conn_->in.erase(conn_->in.begin(), end);
            handleFrame(std::move(answer));
        }
    }
}

void DotUpstream::handleFrame(std::vector<uint8_t> answer) {
    if (answer.size() < wire::kHeaderSize) {
        return;
    }
    const auto it = conn_->ids.find(wire::idOf(answer));
    if (it == conn_->ids.end()) {
        return; // answer to a query that already timed out
    }
    const uint64_t key = it->second;
    if (!wire::sameQuestion(pending_.at(key).wire, answer)) {
        return;
    }
    complete(key, UpstreamResult::success(std::move(answer)));
}

void DotUpstream::flush() {
    while (conn_) {
        if (conn_->writing.empty()) {
            if (conn_->outbox.empty()) {
                conn_->watch->want(true, false);
                return;
            }
            conn_->writing.swap(conn_->outbox);
            if (wireObserver_) {
                // Every frame in this batch, as the resolver will see it after decryption.
                std::span<const uint8_t> rest(conn_->writing);
                while (rest.size() >= 2) {
                    const std::size_t length = (std::size_t{rest[0]} << 8) | rest[1];
                    wireObserver_(rest.subspan(2, length));
                    rest = rest.subspan(2 + length);
                }
            }
        }
        ERR_clear_error();
        std::size_t written = 0;
        const int rc =
            SSL_write_ex(conn_->ssl.get(), conn_->writing.data(), conn_->writing.size(), &written);
        if (rc == 1) {
            conn_->writing.clear();
            continue;
        }
        const int error = SSL_get_error(conn_->ssl.get(), rc);
        if (error == SSL_ERROR_WANT_WRITE) {
            conn_->watch->want(true, true);
            return;
        }
        if (error == SSL_ERROR_WANT_READ) {
            conn_->watch->want(true, false);
            return;
        }
        closeConnection(UpstreamError::ConnectionClosed,
                        "write: " + TlsContext::failureReason(nullptr), true);
    }
}

void DotUpstream::closeConnection(UpstreamError error, const std::string& reason, bool retry) {
    if (!conn_) {
        return;
    }
    std::unique_ptr<Connection> conn = std::move(conn_);
    cancelIdleTimer();
    conn->watch->stop();
    if (conn->state == State::Ready) {
        ERR_clear_error();
        SSL_shutdown(conn->ssl.get()); // best effort close_notify; we do not wait for the reply
        ERR_clear_error();
    }
    std::vector<uint64_t> keys;
    for (const auto& [id, key] : conn->ids) {
        keys.push_back(key);
    }
    retired_.push_back(std::move(conn));
    if (reapTimer_ == 0) {
        reapTimer_ = hooks_.after(std::chrono::milliseconds(0), [this] {
            reapTimer_ = 0;
            retired_.clear();
        });
    }
    for (const uint64_t key : keys) {
        const auto it = pending_.find(key);
        if (it == pending_.end()) {
            continue;
        }
        if (retry && it->second.attempts < kMaxAttempts) {
            enqueue(key);
        } else {
            complete(key, UpstreamResult::failure(error, reason));
        }
    }
}

void DotUpstream::complete(uint64_t key, UpstreamResult result) {
    const auto it = pending_.find(key);
    if (it == pending_.end()) {
        return;
    }
    Pending pending = std::move(it->second);
    pending_.erase(it);
    hooks_.cancel(pending.timer);
    if (conn_ && pending.wire.size() >= wire::kHeaderSize) {
        const auto id = conn_->ids.find(wire::idOf(pending.wire));
        if (id != conn_->ids.end() && id->second == key) {
            conn_->ids.erase(id);
        }
    }
    if (result.ok()) {
        health_.recordSuccess();
        wire::setId(result.answer, wire::idOf(pending.query));
    } else {
        health_.recordFailure();
    }
    if (conn_ && conn_->ids.empty()) {
        armIdleTimer();
    }
    pending.done(std::move(result));
}

void DotUpstream::failLater(uint64_t key, UpstreamError error, const std::string& reason) {
    Pending& pending = pending_.at(key);
    hooks_.cancel(pending.timer);
    pending.timer = hooks_.after(std::chrono::milliseconds(0), [this, key, error, reason] {
        complete(key, UpstreamResult::failure(error, reason));
    });
}

void DotUpstream::armIdleTimer() {
    cancelIdleTimer();
    idleTimer_ = hooks_.after(options_.idleTimeout, [this] {
        idleTimer_ = 0;
        if (conn_ && conn_->ids.empty()) {
            closeConnection(UpstreamError::ConnectionClosed, "idle", false);
        }
    });
}

void DotUpstream::cancelIdleTimer() {
    if (idleTimer_ != 0) {
        hooks_.cancel(idleTimer_);
        idleTimer_ = 0;
    }
}

} // namespace mamori::dns
