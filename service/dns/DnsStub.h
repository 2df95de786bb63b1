// The local DNS stub: receives the queries bpf/dns_steer steers to 127.53.H.L:<port>, over UDP
// and TCP, learns the app from that destination address (H << 8 | L; any other local address is
// app 0, "unknown"), hands each well-formed query to a handler and writes its answer back to the
// client. Runs on mamorid's loop through EngineHooks and never blocks.
//
// - Both sockets are bound to 0.0.0.0:<port> with SO_BINDTODEVICE "lo": only loopback traffic
//   reaches them. A UDP answer leaves from the address its query arrived on (IP_PKTINFO), or the
//   app's connected socket would drop it.
// - A UDP answer longer than the client accepts (its EDNS payload size, else 512) is replaced by
//   a truncated one (TC=1, question only): the client asks again over TCP.
// - TCP (RFC 7766): 2-byte framing, pipelined queries answered as their answers come, at most
//   128 connections (a new one closes the longest-idle; none idle: it is refused), idle ones
//   closed after 10 s, a connection whose unsent answers exceed 256 KiB (a client that does not
//   read) closed, at most 64 queries in flight per connection (it is not read meanwhile).
// - Bad input never stops the stub: shorter than a header or QR set → dropped; opcode other
//   than QUERY → NOTIMP; unparsable or QDCOUNT != 1 → FORMERR.
#pragma once

#include "common/EngineHooks.h"
#include "common/UniqueFd.h"
#include "dns/upstream/ReadinessWatch.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mamori::dns {

class DnsStub {
public:
    struct StubQuery {
        uint16_t appIndex = 0; // 0: not from a steered app (or the unknown one)
        enum class Transport { Udp, Tcp } transport = Transport::Udp;
        std::vector<uint8_t> message; // as the client sent it
        std::string qname;            // as DnsMessage::parse writes names
        uint16_t qtype = 0;
    };
    // Sends the answer to the client (its id is set to the query's). Callable once, now or later
    // from the loop; a call after the client's connection closed or the stub was destroyed, a
    // second call, or an answer shorter than a DNS header is ignored (the client times out).
    using Reply = std::function<void(std::vector<uint8_t> answer)>;
    // Must not destroy the stub.
    using Handler = std::function<void(StubQuery, Reply)>;

    struct Counters {
        uint64_t udpQueries = 0; // well-formed queries handed to the handler
        uint64_t tcpQueries = 0;
        uint64_t answered = 0;  // handler answers sent (or queued on the connection)
        uint64_t malformed = 0; // dropped, FORMERR or NOTIMP
        uint64_t truncated = 0; // UDP answers replaced by a TC=1 answer
    };

    // Port 0: the kernel picks the UDP port and the TCP listener takes the same number (another
    // pick if that TCP port is taken). Throws std::system_error naming the step that failed,
    // e.g. "bind 0.0.0.0:5300 (udp): Address already in use".
    DnsStub(EngineHooks hooks, uint16_t port, Handler handler);
    ~DnsStub();
    DnsStub(const DnsStub&) = delete;
    DnsStub& operator=(const DnsStub&) = delete;

    uint16_t port() const { return port_; }
    Counters counters() const { return counters_; }
    std::size_t tcpConnections() const { return connections_.size(); }

    // The app index a query to `localAddress` (IPv4, network byte order) comes from.
    static uint16_t appIndexOf(uint32_t localAddress);

private:
    struct Connection;
    struct UdpClient;

    void openSockets(uint16_t port);
    void onUdpReadable();
    void answerUdp(const UdpClient& client, std::vector<uint8_t> answer);
    void sendUdp(const UdpClient& client, const std::vector<uint8_t>& datagram);
    void onAcceptable();
    bool makeRoomForConnection();
    void onConnectionReady(const std::shared_ptr<Connection>& connection,
                           ReadinessWatch::Events events);
    void readSome(const std::shared_ptr<Connection>& connection);
    void processFrames(const std::shared_ptr<Connection>& connection);
    void handleFrame(const std::shared_ptr<Connection>& connection, std::vector<uint8_t> frame);
    void queueTcp(const std::shared_ptr<Connection>& connection,
                  const std::vector<uint8_t>& message);
    void flush(const std::shared_ptr<Connection>& connection);
    void updateInterest(const std::shared_ptr<Connection>& connection);
    void close(const std::shared_ptr<Connection>& connection);

    EngineHooks hooks_;
    Handler handler_;
    uint16_t port_ = 0;
    UniqueFd udp_;
    UniqueFd listener_;
    uint64_t nextConnection_ = 1;
    std::map<uint64_t, std::shared_ptr<Connection>> connections_;
    // Closed connections are freed from a zero-delay timer, not from their own callback.
    std::vector<std::shared_ptr<Connection>> retired_;
    uint64_t reapTimer_ = 0;
    uint64_t acceptPauseTimer_ = 0;
    Counters counters_;
    // Replies hold a weak_ptr to this: once the stub is gone they do nothing.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace mamori::dns
