// Records the IPv4 packets leaving or entering one interface (AF_PACKET, cooked), to prove what
// did or did not go over the wire in clear.
#pragma once

#include "common/UniqueFd.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::test {

class PacketCapture {
public:
    struct Packet {
        uint8_t protocol = 0; // IPPROTO_TCP, IPPROTO_UDP, ...
        std::string destination;
        uint16_t destinationPort = 0;
    };

    // Throws std::runtime_error if the interface does not exist or the socket cannot be bound.
    explicit PacketCapture(const std::string& interface);

    // Everything captured since the last call (non-blocking).
    std::vector<Packet> drain();

private:
    UniqueFd fd_;
};

} // namespace mamori::test
