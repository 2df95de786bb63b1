#include "dns/upstream/Do53Upstream.h"

#include "dns/upstream/QueryWire.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace mamori::dns {
namespace {

// Larger than any EDNS payload size we advertise; a bigger datagram is cut and then fails the
// question check.
constexpr std::size_t kMaxUdpAnswer = 65535;
constexpr int kMaxDatagramsPerWakeup = 64;

bool countsAgainstHealth(UpstreamError error) {
    return error == UpstreamError::Timeout || error == UpstreamError::Refused ||
           error == UpstreamError::NetworkError || error == UpstreamError::ConnectionClosed;
}

} // namespace

Do53Upstream::Do53Upstream(ResolverEndpoint endpoint, EngineHooks hooks, UpstreamOptions options)
    : Upstream(std::move(endpoint), std::move(hooks), options)
    , address_(SocketAddress::parse(endpoint_.address, endpoint_.port)) {}

Do53Upstream::~Do53Upstream() {
    for (const auto& [key, pending] : pending_) {
        hooks_.cancel(pending.timer);
    }
    if (reapTimer_ != 0) {
        hooks_.cancel(reapTimer_);
    }
}

void Do53Upstream::send(std::vector<uint8_t> query, std::chrono::milliseconds timeout, Done done) {
    const uint64_t key = nextKey_++;
    Pending& pending = pending_[key];
    pending.done = std::move(done);
    pending.timer = hooks_.after(timeout, [this, key] {
        complete(key, UpstreamResult::failure(UpstreamError::Timeout, "no answer in time"));
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
    pending.originalId = wire::idOf(query);
    if (options_.tcpOnly) {
        wire::setId(query, wire::randomId());
        pending.query = std::move(query);
        startTcp(key);
        return;
    }
    if (!ensureUdpSocket()) {
        failLater(key, UpstreamError::NetworkError,
                  std::string("UDP socket: ") + std::strerror(errno));
        return;
    }
    const uint16_t id = unusedUdpId();
    wire::setId(query, id);
    pending.query = std::move(query);
    udpIds_[id] = key;
    if (::send(udp_.get(), pending.query.data(), pending.query.size(), 0) < 0) {
        const int error = errno;
        failLater(key, error == ECONNREFUSED ? UpstreamError::Refused : UpstreamError::NetworkError,
                  std::string("send: ") + std::strerror(error));
        return;
    }
    ++udpSent_;
}

bool Do53Upstream::ensureUdpSocket() {
    if (udp_) {
        return true;
    }
    // connect()ed: the kernel drops datagrams from any other source, and ICMP errors come back.
    // Those only raise POLLERR, which a read-only watch misses: hence the ReadinessWatch.
    udp_ = connectNonBlocking(*address_, SOCK_DGRAM);
    if (!udp_) {
        return false;
    }
    udpWatch_ = std::make_unique<ReadinessWatch>(
        hooks_, udp_.get(), [this](ReadinessWatch::Events) { onUdpReadable(); });
    return true;
}

void Do53Upstream::onUdpReadable() {
    std::vector<uint8_t> buffer(kMaxUdpAnswer);
    // Bounded: the watch is level-triggered, so what is left wakes us again after the others ran.
    for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
        const ssize_t n = ::recv(udp_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) {
                return;
            }
            // An ICMP error (port or host unreachable) names no query; every one in flight went
            // to the same place. Reading it cleared it, so the loop goes on.
            failAllUdp(error == ECONNREFUSED ? UpstreamError::Refused : UpstreamError::NetworkError,
                       std::string("resolver unreachable: ") + std::strerror(error));
            continue;
        }
        handleUdpAnswer({buffer.begin(), buffer.begin() + n});
    }
}

void Do53Upstream::handleUdpAnswer(std::vector<uint8_t> answer) {
    if (answer.size() < wire::kHeaderSize || (answer[2] & 0x80) == 0) {
        return; // not a response
    }
    const auto it = udpIds_.find(wire::idOf(answer));
    if (it == udpIds_.end()) {
        return; // late (timed out) or forged
    }
    const uint64_t key = it->second;
    if (!wire::sameQuestion(pending_.at(key).query, answer)) {
        return; // right id, wrong question: forged; keep waiting for the real one
    }
    if (wire::isTruncated(answer)) {
        udpIds_.erase(it);
        startTcp(key);
        return;
    }
    complete(key, UpstreamResult::success(std::move(answer)));
}

void Do53Upstream::failAllUdp(UpstreamError error, const std::string& reason) {
    std::vector<uint64_t> keys;
    for (const auto& [id, key] : udpIds_) {
        keys.push_back(key);
    }
    for (const uint64_t key : keys) {
        complete(key, UpstreamResult::failure(error, reason));
    }
}

void Do53Upstream::startTcp(uint64_t key) {
    Pending& pending = pending_.at(key);
    pending.overTcp = true;
    ++tcpSent_;
    tcp_[key] = std::make_unique<TcpExchange>(
        hooks_, *address_, pending.query,
        [this, key](UpstreamResult result) { complete(key, std::move(result)); });
}

uint16_t Do53Upstream::unusedUdpId() const {
    for (;;) {
        const uint16_t id = wire::randomId();
        if (!udpIds_.contains(id)) {
            return id;
        }
    }
}

void Do53Upstream::complete(uint64_t key, UpstreamResult result) {
    const auto it = pending_.find(key);
    if (it == pending_.end()) {
        return;
    }
    Pending pending = std::move(it->second);
    pending_.erase(it);
    hooks_.cancel(pending.timer);
    if (!pending.query.empty()) {
        const auto id = udpIds_.find(wire::idOf(pending.query));
        if (id != udpIds_.end() && id->second == key) {
            udpIds_.erase(id);
        }
    }
    retire(key);
    if (result.ok()) {
        health_.recordSuccess();
        wire::setId(result.answer, pending.originalId);
    } else if (countsAgainstHealth(result.error)) {
        health_.recordFailure();
    }
    pending.done(std::move(result));
}

void Do53Upstream::failLater(uint64_t key, UpstreamError error, const std::string& reason) {
    // Callbacks never run inside send(): replace the timeout with an immediate timer.
    Pending& pending = pending_.at(key);
    hooks_.cancel(pending.timer);
    pending.timer = hooks_.after(std::chrono::milliseconds(0), [this, key, error, reason] {
        complete(key, UpstreamResult::failure(error, reason));
    });
}

void Do53Upstream::retire(uint64_t key) {
    const auto it = tcp_.find(key);
    if (it == tcp_.end()) {
        return;
    }
    retired_.push_back(std::move(it->second));
    tcp_.erase(it);
    if (reapTimer_ == 0) {
        reapTimer_ = hooks_.after(std::chrono::milliseconds(0), [this] {
            reapTimer_ = 0;
            retired_.clear();
        });
    }
}

} // namespace mamori::dns
