#include "DnsAsker.h"

#include "dns/DnsMessage.h"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>

namespace mamori::bench {
namespace {

UniqueFd udpSocket() {
    return UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

// `answer` holds at least a header.
bool isGoodAnswer(const std::vector<std::uint8_t>& answer) {
    const unsigned rcode = answer[3] & 0x0fU;
    const unsigned answers = (static_cast<unsigned>(answer[6]) << 8) | answer[7];
    return (answer[2] & 0x80U) != 0 && rcode == 0 && answers > 0;
}

} // namespace

DnsAsker::DnsAsker(sockaddr_in server, bool perQuerySocket, std::chrono::milliseconds timeout)
    : server_(server)
    , perQuerySocket_(perQuerySocket)
    , timeout_(timeout)
    , buffer_(4096) {
    if (!perQuerySocket_) {
        shared_ = udpSocket();
        if (!shared_) {
            throw std::system_error(errno, std::generic_category(), "socket");
        }
    }
}

DnsAsker::Exchange DnsAsker::ask(const std::vector<std::uint8_t>& query) {
    const auto start = Clock::now();
    const auto* address = reinterpret_cast<const sockaddr*>(&server_);
    const auto id = dns::idOf(query);
    if (!perQuerySocket_) {
        if (::sendto(shared_.get(), query.data(), query.size(), 0, address, sizeof server_) < 0) {
            return {};
        }
        return awaitAnswer(shared_.get(), id, start, {Outcome::Error, {}, Clock::now() - start});
    }
    auto fd = udpSocket();
    if (!fd || ::connect(fd.get(), address, sizeof server_) != 0 ||
        ::send(fd.get(), query.data(), query.size(), 0) < 0) {
        return {};
    }
    auto exchange = awaitAnswer(fd.get(), id, start, {Outcome::Error, {}, Clock::now() - start});
    // Closing frees what the hooks attached to the socket: part of the lookup's cost.
    fd.reset();
    exchange.roundTrip = Clock::now() - start;
    return exchange;
}

DnsAsker::Exchange DnsAsker::awaitAnswer(int fd, std::uint16_t id, Clock::time_point start,
                                         Exchange sent) {
    const auto deadline = start + timeout_;
    while (true) {
        sockaddr_in from{};
        socklen_t fromLength = sizeof from;
        const auto before = Clock::now();
        const auto n = ::recvfrom(fd, buffer_.data(), buffer_.size(), 0,
                                  reinterpret_cast<sockaddr*>(&from), &fromLength);
        if (n >= 12 && dns::idOf(buffer_) == id) {
            const auto after = Clock::now();
            sent.inSyscalls += after - before;
            sent.roundTrip = after - start;
            sent.outcome = isGoodAnswer(buffer_) ? Outcome::Answered : Outcome::Error;
            return sent;
        }
        if (n >= 0 || errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return sent; // an error: ICMP unreachable on a connected socket, ...
        }
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        pollfd pfd{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) == 0) {
            sent.outcome = Outcome::Lost;
            return sent;
        }
    }
}

} // namespace mamori::bench
