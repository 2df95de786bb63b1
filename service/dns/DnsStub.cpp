#include "dns/DnsStub.h"

#include "common/Log.h"
#include "dns/DnsMessage.h"
#include "dns/upstream/QueryWire.h"
#include "dns/upstream/ReadinessWatch.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <span>
#include <string_view>
#include <sys/socket.h>
#include <system_error>

namespace mamori::dns {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxDatagram = 65535;
// What IPv4 UDP can carry; an EDNS payload size above it means "as much as there is".
constexpr std::size_t kMaxUdpPayload = 65507;
constexpr std::size_t kClassicUdpLimit = 512; // RFC 1035, and the floor RFC 6891 keeps
constexpr int kMaxDatagramsPerWakeup = 64;
constexpr int kMaxAcceptsPerWakeup = 32;
constexpr int kPortAttempts = 16;
constexpr std::size_t kMaxConnections = 128;
constexpr unsigned kMaxInFlightPerConnection = 64;
constexpr std::size_t kMaxUnsentPerConnection = std::size_t{256} * 1024;
constexpr std::size_t kReadChunk = std::size_t{16} * 1024;
constexpr std::size_t kMaxTcpMessage = 65535;
constexpr std::chrono::milliseconds kIdleTimeout{10000};
// After accept() failed for want of fds or memory: a level-triggered listener would spin.
constexpr std::chrono::milliseconds kAcceptPause{100};
// 127.53.0.0/16, where the steering sends each app's queries.
constexpr uint32_t kStubNetwork = 0x7F350000;

enum class Verdict { Drop, FormErr, NotImp, Forward };

struct Classified {
    Verdict verdict = Verdict::Drop;
    Message message;
};

Classified classify(std::span<const uint8_t> bytes) {
    if (bytes.size() < wire::kHeaderSize || (bytes[2] & 0x80) != 0) {
        return {}; // not a query: answering could start a loop with another stub
    }
    if ((bytes[2] >> 3 & 0x0F) != 0) {
        return {Verdict::NotImp, {}};
    }
    Classified result{Verdict::Forward, {}};
    try {
        result.message = parse(bytes);
    } catch (const DnsParseError&) {
        return {Verdict::FormErr, {}};
    }
    if (result.message.questions.size() != 1) {
        return {Verdict::FormErr, {}};
    }
    return result;
}

// The largest UDP answer the client accepts (RFC 6891 6.2.5: below 512 means 512).
std::size_t udpLimitOf(const Message& query) {
    if (!query.edns) {
        return kClassicUdpLimit;
    }
    return std::clamp<std::size_t>(query.edns->udpSize, kClassicUdpLimit, kMaxUdpPayload);
}

std::string endpointText(uint16_t port, const char* transport) {
    return "0.0.0.0:" + std::to_string(port) + " (" + transport + ")";
}

[[noreturn]] void throwErrno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void setOption(int fd, int level, int name, const void* value, socklen_t length,
               const std::string& what) {
    if (::setsockopt(fd, level, name, value, length) != 0) {
        throwErrno(what);
    }
}

// A socket on 0.0.0.0:port that only loopback traffic reaches.
UniqueFd bindLoopbackSocket(int type, uint16_t port) {
    const bool udp = type == SOCK_DGRAM;
    const char* transport = udp ? "udp" : "tcp";
    UniqueFd fd(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        throwErrno(std::string("socket (") + transport + ")");
    }
    const int on = 1;
    constexpr std::string_view kLoopback = "lo";
    setOption(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, kLoopback.data(),
              static_cast<socklen_t>(kLoopback.size()),
              std::string("SO_BINDTODEVICE lo (") + transport + ")");
    if (udp) {
        setOption(fd.get(), IPPROTO_IP, IP_PKTINFO, &on, sizeof on, "IP_PKTINFO (udp)");
    } else {
        setOption(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on, "SO_REUSEADDR (tcp)");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throwErrno("bind " + endpointText(port, transport));
    }
    if (!udp && ::listen(fd.get(), SOMAXCONN) != 0) {
        throwErrno("listen " + endpointText(port, transport));
    }
    return fd;
}

uint16_t boundPort(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throwErrno("getsockname (udp)");
    }
    return ntohs(address.sin_port);
}

std::vector<uint8_t> framed(const std::vector<uint8_t>& message) {
    std::vector<uint8_t> out;
    out.reserve(2 + message.size());
    out.push_back(static_cast<uint8_t>(message.size() >> 8));
    out.push_back(static_cast<uint8_t>(message.size()));
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

} // namespace

// Where a UDP query came from and what its answer needs; shared by the copies of one Reply.
struct DnsStub::UdpClient {
    sockaddr_in peer{};
    in_addr local{}; // the address the query was sent to: the answer's source
    uint16_t queryId = 0;
    std::size_t limit = kClassicUdpLimit;
    std::vector<uint8_t> query; // for the truncated answer if the handler's cannot be parsed
    bool replied = false;
};

struct DnsStub::Connection {
    uint64_t id = 0;
    UniqueFd fd;
    uint16_t appIndex = 0;
    std::unique_ptr<ReadinessWatch> watch;
    std::vector<uint8_t> in;  // received bytes not yet a complete frame (or not yet handled)
    std::vector<uint8_t> out; // framed answers not yet written
    unsigned inFlight = 0;    // queries the handler has not answered yet
    bool peerDone = false;    // the client closed its side: answer what is in flight, then close
    bool processing = false;  // inside processFrames (a Reply called at once must not recurse)
    bool closed = false;
    uint64_t idleTimer = 0;
    Clock::time_point lastActive = Clock::now();

    bool idle() const { return inFlight == 0 && out.empty(); }
};

DnsStub::DnsStub(EngineHooks hooks, uint16_t port, Handler handler)
    : hooks_(std::move(hooks))
    , handler_(std::move(handler)) {
    openSockets(port);
    hooks_.watch(udp_.get(), [this] { onUdpReadable(); });
    hooks_.watch(listener_.get(), [this] { onAcceptable(); });
}

DnsStub::~DnsStub() {
    alive_.reset();
    hooks_.unwatch(udp_.get());
    if (acceptPauseTimer_ == 0) {
        hooks_.unwatch(listener_.get());
    }
    hooks_.cancel(acceptPauseTimer_);
    hooks_.cancel(reapTimer_);
    for (const auto& [id, connection] : connections_) {
        hooks_.cancel(connection->idleTimer);
    }
}

uint16_t DnsStub::appIndexOf(uint32_t localAddress) {
    const uint32_t address = ntohl(localAddress);
    if ((address & 0xFFFF0000) != kStubNetwork) {
        return 0;
    }
    return static_cast<uint16_t>(address & 0xFFFF);
}

void DnsStub::openSockets(uint16_t port) {
    for (int attempt = 1;; ++attempt) {
        udp_ = bindLoopbackSocket(SOCK_DGRAM, port);
        const uint16_t chosen = boundPort(udp_.get());
        try {
            listener_ = bindLoopbackSocket(SOCK_STREAM, chosen);
            port_ = chosen;
            return;
        } catch (const std::system_error& error) {
            // Only a port the kernel picked for UDP may be exchanged for another.
            const bool taken = error.code() == std::errc::address_in_use;
            if (port != 0 || !taken || attempt == kPortAttempts) {
                throw;
            }
        }
    }
}

// ---- UDP ----

void DnsStub::onUdpReadable() {
    std::vector<uint8_t> buffer(kMaxDatagram);
    std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
    // Bounded: the watch is level-triggered, what is left wakes us again after the others ran.
    for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
        iovec iov{buffer.data(), buffer.size()};
        auto client = std::make_shared<UdpClient>();
        msghdr header{};
        header.msg_name = &client->peer;
        header.msg_namelen = sizeof client->peer;
        header.msg_iov = &iov;
        header.msg_iovlen = 1;
        header.msg_control = control.data();
        header.msg_controllen = control.size();
        const ssize_t n = ::recvmsg(udp_.get(), &header, MSG_DONTWAIT);
        if (n < 0) {
            return; // EAGAIN; a lone UDP socket has no other error worth a retry
        }
        const in_pktinfo* info = nullptr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                info = reinterpret_cast<const in_pktinfo*>(CMSG_DATA(c));
            }
        }
        if (info == nullptr || header.msg_namelen != sizeof client->peer) {
            continue; // without the destination there is no way to answer from it
        }
        client->local = info->ipi_addr;
        const std::span<const uint8_t> datagram(buffer.data(), static_cast<std::size_t>(n));
        Classified classified = classify(datagram);
        switch (classified.verdict) {
        case Verdict::Drop:
            ++counters_.malformed;
            continue;
        case Verdict::FormErr:
            ++counters_.malformed;
            sendUdp(*client, formerr(datagram));
            continue;
        case Verdict::NotImp:
            ++counters_.malformed;
            sendUdp(*client, notimp(datagram));
            continue;
        case Verdict::Forward:
            break;
        }
        ++counters_.udpQueries;
        client->queryId = classified.message.id;
        client->limit = udpLimitOf(classified.message);
        client->query.assign(datagram.begin(), datagram.end());
        StubQuery query{appIndexOf(client->local.s_addr), StubQuery::Transport::Udp, client->query,
                        std::move(classified.message.questions[0].name),
                        classified.message.questions[0].type};
        Reply reply = [this, alive = std::weak_ptr<bool>(alive_),
                       client](std::vector<uint8_t> answer) {
            if (alive.expired() || client->replied) {
                return;
            }
            client->replied = true;
            answerUdp(*client, std::move(answer));
        };
        try {
            handler_(std::move(query), reply);
        } catch (const std::exception& error) {
            log::warning(std::string("DNS stub: query handler failed: ") + error.what());
            reply(servfail(client->query));
        }
    }
}

void DnsStub::answerUdp(const UdpClient& client, std::vector<uint8_t> answer) {
    if (answer.size() < wire::kHeaderSize) {
        return;
    }
    wire::setId(answer, client.queryId);
    ++counters_.answered;
    if (answer.size() <= client.limit) {
        sendUdp(client, answer);
        return;
    }
    ++counters_.truncated;
    try {
        sendUdp(client, truncatedResponse(answer));
    } catch (const DnsParseError&) {
        // The query parsed when it came in, so it can stand in for the unparsable answer.
        sendUdp(client, truncatedResponse(client.query));
    }
}

void DnsStub::sendUdp(const UdpClient& client, const std::vector<uint8_t>& datagram) {
    iovec iov{const_cast<uint8_t*>(datagram.data()), datagram.size()};
    std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
    msghdr header{};
    sockaddr_in peer = client.peer;
    header.msg_name = &peer;
    header.msg_namelen = sizeof peer;
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control.data();
    header.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&header);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst = client.local;
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    // A full socket buffer drops the answer like the network would; the client asks again.
    ::sendmsg(udp_.get(), &header, MSG_DONTWAIT | MSG_NOSIGNAL);
}

// ---- TCP ----

void DnsStub::onAcceptable() {
    for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR ||
                error == ECONNABORTED) {
                return;
            }
            log::warning(std::string("DNS stub: accept: ") + std::strerror(error));
            hooks_.unwatch(listener_.get());
            acceptPauseTimer_ = hooks_.after(kAcceptPause, [this] {
                acceptPauseTimer_ = 0;
                hooks_.watch(listener_.get(), [this] { onAcceptable(); });
            });
            return;
        }
        if (!makeRoomForConnection()) {
            continue; // every connection is busy: this one is refused (closed)
        }
        sockaddr_in local{};
        socklen_t length = sizeof local;
        if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
            continue;
        }
        const int on = 1;
        // Pipelined answers are separate small writes: do not hold one back for the last ACK.
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        auto connection = std::make_shared<Connection>();
        connection->id = nextConnection_++;
        connection->appIndex = appIndexOf(local.sin_addr.s_addr);
        connection->fd = std::move(fd);
        const std::weak_ptr<Connection> weak = connection;
        connection->watch = std::make_unique<ReadinessWatch>(
            hooks_, connection->fd.get(), [this, weak](ReadinessWatch::Events events) {
                if (const auto c = weak.lock()) {
                    onConnectionReady(c, events);
                }
            });
        connections_[connection->id] = connection;
        updateInterest(connection);
    }
}

bool DnsStub::makeRoomForConnection() {
    if (connections_.size() < kMaxConnections) {
        return true;
    }
    std::shared_ptr<Connection> longestIdle;
    for (const auto& [id, connection] : connections_) {
        if (connection->idle() &&
            (!longestIdle || connection->lastActive < longestIdle->lastActive)) {
            longestIdle = connection;
        }
    }
    if (!longestIdle) {
        return false;
    }
    close(longestIdle);
    return true;
}

void DnsStub::onConnectionReady(const std::shared_ptr<Connection>& connection,
                                ReadinessWatch::Events events) {
    if (connection->closed) {
        return;
    }
    if (events.error) {
        close(connection); // reset or failed: nothing more can be delivered
        return;
    }
    if (events.writable) {
        flush(connection);
    }
    if (events.readable && !connection->closed) {
        readSome(connection);
    }
    updateInterest(connection);
}

void DnsStub::readSome(const std::shared_ptr<Connection>& connection) {
    std::array<uint8_t, kReadChunk> buffer{};
    const ssize_t n = ::recv(connection->fd.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close(connection);
        }
        return;
    }
    if (n == 0) {
        connection->peerDone = true; // a partial frame left in `in` is never answered
        return;
    }
    connection->lastActive = Clock::now();
    connection->in.insert(connection->in.end(), buffer.begin(), buffer.begin() + n);
    processFrames(connection);
}

void DnsStub::processFrames(const std::shared_ptr<Connection>& connection) {
    if (connection->processing) {
        return; // the outer call's loop picks up where this one would start
    }
    connection->processing = true;
    auto& in = connection->in;
    while (!connection->closed && connection->inFlight < kMaxInFlightPerConnection &&
           in.size() >= 2) {
        const std::size_t length = static_cast<std::size_t>(in[0]) << 8 | in[1];
        if (in.size() < 2 + length) {
            break;
        }
        std::vector<uint8_t> frame(in.begin() + 2,
                                   in.begin() + 2 + static_cast<std::ptrdiff_t>(length));
        in.erase(in.begin(), in.begin() + 2 + static_cast<std::ptrdiff_t>(length));
        handleFrame(connection, std::move(frame));
    }
    connection->processing = false;
    updateInterest(connection);
}

void DnsStub::handleFrame(const std::shared_ptr<Connection>& connection,
                          std::vector<uint8_t> frame) {
    Classified classified = classify(frame);
    switch (classified.verdict) {
    case Verdict::Drop:
        ++counters_.malformed;
        return;
    case Verdict::FormErr:
        ++counters_.malformed;
        queueTcp(connection, formerr(frame));
        return;
    case Verdict::NotImp:
        ++counters_.malformed;
        queueTcp(connection, notimp(frame));
        return;
    case Verdict::Forward:
        break;
    }
    ++counters_.tcpQueries;
    ++connection->inFlight;
    hooks_.cancel(connection->idleTimer);
    connection->idleTimer = 0;
    struct Target {
        uint16_t queryId = 0;
        bool replied = false;
    };
    auto target = std::make_shared<Target>(Target{classified.message.id, false});
    StubQuery query{connection->appIndex, StubQuery::Transport::Tcp, frame,
                    std::move(classified.message.questions[0].name),
                    classified.message.questions[0].type};
    Reply reply = [this, alive = std::weak_ptr<bool>(alive_),
                   weak = std::weak_ptr<Connection>(connection),
                   target](std::vector<uint8_t> answer) {
        if (alive.expired() || target->replied) {
            return;
        }
        target->replied = true;
        const auto c = weak.lock();
        if (!c || c->closed) {
            return;
        }
        --c->inFlight;
        if (answer.size() >= wire::kHeaderSize) {
            wire::setId(answer, target->queryId);
            ++counters_.answered;
            queueTcp(c, answer);
        }
        processFrames(c); // room for the frames held back, and the interest follows
    };
    try {
        handler_(std::move(query), reply);
    } catch (const std::exception& error) {
        log::warning(std::string("DNS stub: query handler failed: ") + error.what());
        reply(servfail(frame));
    }
}

void DnsStub::queueTcp(const std::shared_ptr<Connection>& connection,
                       const std::vector<uint8_t>& message) {
    if (connection->closed || message.size() > kMaxTcpMessage) {
        return;
    }
    if (connection->out.size() + 2 + message.size() > kMaxUnsentPerConnection) {
        log::debug("DNS stub: closing a TCP client that does not read its answers");
        close(connection);
        return;
    }
    const auto bytes = framed(message);
    connection->out.insert(connection->out.end(), bytes.begin(), bytes.end());
    flush(connection);
}

void DnsStub::flush(const std::shared_ptr<Connection>& connection) {
    auto& out = connection->out;
    while (!out.empty()) {
        const ssize_t n =
            ::send(connection->fd.get(), out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                close(connection);
            }
            return;
        }
        out.erase(out.begin(), out.begin() + n);
        connection->lastActive = Clock::now();
    }
}

void DnsStub::updateInterest(const std::shared_ptr<Connection>& connection) {
    if (connection->closed) {
        return;
    }
    if (connection->peerDone && connection->idle()) {
        close(connection);
        return;
    }
    const bool read = !connection->peerDone && connection->inFlight < kMaxInFlightPerConnection;
    connection->watch->want(read, !connection->out.empty());
    if (!connection->idle()) {
        hooks_.cancel(connection->idleTimer);
        connection->idleTimer = 0;
        return;
    }
    if (connection->idleTimer == 0) {
        const std::weak_ptr<Connection> weak = connection;
        connection->idleTimer = hooks_.after(kIdleTimeout, [this, weak] {
            if (const auto c = weak.lock()) {
                c->idleTimer = 0;
                close(c);
            }
        });
    }
}

void DnsStub::close(const std::shared_ptr<Connection>& connection) {
    if (connection->closed) {
        return;
    }
    connection->closed = true;
    hooks_.cancel(connection->idleTimer);
    connection->idleTimer = 0;
    connection->watch->stop();
    connection->fd.reset();
    // The watch may be running this very call: free it from the loop, not from here.
    retired_.push_back(connection);
    connections_.erase(connection->id);
    if (reapTimer_ == 0) {
        reapTimer_ = hooks_.after(std::chrono::milliseconds(0), [this] {
            reapTimer_ = 0;
            retired_.clear();
        });
    }
}

} // namespace mamori::dns
