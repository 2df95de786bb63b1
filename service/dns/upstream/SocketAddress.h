// An upstream's address as the socket calls want it, and the non-blocking sockets made for it.
#pragma once

#include "common/UniqueFd.h"

#include <cstdint>
#include <optional>
#include <string>
#include <sys/socket.h>

namespace mamori::dns {

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    int family() const { return storage.ss_family; }
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }

    // An IPv4 or IPv6 literal (no names: resolving the resolver would leak); nothing otherwise.
    static std::optional<SocketAddress> parse(const std::string& literal, uint16_t port);
};

// A non-blocking, close-on-exec socket of `type` (SOCK_DGRAM, SOCK_STREAM) whose connect() was
// started; for streams it completes later (writability, then SO_ERROR). Sets errno and returns
// an invalid fd on failure.
UniqueFd connectNonBlocking(const SocketAddress& address, int type);

// The pending error of a socket (SO_ERROR), 0 if none.
int socketError(int fd);

} // namespace mamori::dns
