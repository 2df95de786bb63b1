// dnssteerclient: the "app" of DnsSteeringTest. The test moves it into an app scope before it
// execs it, so that its DNS calls run in a real process of that cgroup, as an app's would. It
// sends one query the way resolvers do and prints what it saw on one line:
//   reply=<payload> from=<address the reply came from> peer=<getpeername()>
// The responder's payload is the local address the query arrived on (the stub address).
// Modes:
//   udp-connect <ip4> <port>    connected UDP (glibc's stub resolver)
//   udp-sendto <ip4> <port>     unconnected sendto()/recvfrom()
//   tcp <ip4> <port>            TCP connect, getpeername
//   udp6-connect <ip6> <port>   AF_INET6 dual-stack socket, connected
//   udp6-v6only <ip6> <port>    AF_INET6 IPV6_V6ONLY socket, connected
// Exit status 0 with a reply, 1 with "error=<reason>" on stdout.
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

constexpr std::string_view kQuery = "query";

std::string text(const sockaddr_storage& address) {
    std::array<char, INET6_ADDRSTRLEN> buffer{};
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        ::inet_ntop(AF_INET, &in.sin_addr, buffer.data(), buffer.size());
        return std::string(buffer.data()) + ':' + std::to_string(ntohs(in.sin_port));
    }
    if (address.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, buffer.data(), buffer.size());
        return '[' + std::string(buffer.data()) + "]:" + std::to_string(ntohs(in6.sin6_port));
    }
    return "none";
}

int fail(const char* step) {
    std::printf("error=%s:%s\n", step, std::strerror(errno));
    return 1;
}

sockaddr_storage parse(bool v6, const char* ip, const char* port) {
    sockaddr_storage address{};
    if (v6) {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(static_cast<uint16_t>(std::stoi(port)));
        ::inet_pton(AF_INET6, ip, &in6.sin6_addr);
    } else {
        auto& in = reinterpret_cast<sockaddr_in&>(address);
        in.sin_family = AF_INET;
        in.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
        ::inet_pton(AF_INET, ip, &in.sin_addr);
    }
    return address;
}

std::string peerOf(int fd) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
        return "none";
    }
    return text(peer);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: dnssteerclient MODE ADDRESS PORT\n");
        return 2;
    }
    const std::string_view mode = argv[1];
    const bool v6 = mode.substr(0, 4) == "udp6";
    const bool tcp = mode == "tcp";
    const bool connectFirst = mode != "udp-sendto";
    const sockaddr_storage target = parse(v6, argv[2], argv[3]);
    const socklen_t targetLength = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);

    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0) {
        return fail("socket");
    }
    const int v6only = mode == "udp6-v6only" ? 1 : 0;
    if (v6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
        return fail("IPV6_V6ONLY");
    }
    const timeval timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connectFirst &&
        ::connect(fd, reinterpret_cast<const sockaddr*>(&target), targetLength) != 0) {
        return fail("connect");
    }
    const ssize_t sent = connectFirst
                             ? ::send(fd, kQuery.data(), kQuery.size(), 0)
                             : ::sendto(fd, kQuery.data(), kQuery.size(), 0,
                                        reinterpret_cast<const sockaddr*>(&target), targetLength);
    if (sent < 0) {
        return fail("send");
    }
    std::array<char, 128> reply{};
    sockaddr_storage from{};
    socklen_t fromLength = sizeof from;
    const ssize_t got = ::recvfrom(fd, reply.data(), reply.size() - 1, 0,
                                   reinterpret_cast<sockaddr*>(&from), &fromLength);
    if (got < 0) {
        return fail("recv");
    }
    // TCP fills in no source address: only the peer tells where the answer came from.
    std::printf("reply=%s from=%s peer=%s\n", reply.data(), tcp ? "none" : text(from).c_str(),
                peerOf(fd).c_str());
    return 0;
}
