#include "PacketCapture.h"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdexcept>
#include <sys/socket.h>

namespace mamori::test {

PacketCapture::PacketCapture(const std::string& interface)
    : fd_(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL))) {
    if (!fd_) {
        throw std::runtime_error(std::string("AF_PACKET socket: ") + std::strerror(errno));
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(::if_nametoindex(interface.c_str()));
    if (sll.sll_ifindex == 0 ||
        ::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&sll), sizeof sll) != 0) {
        throw std::runtime_error("cannot capture on " + interface + ": " + std::strerror(errno));
    }
}

std::vector<PacketCapture::Packet> PacketCapture::drain() {
    std::vector<Packet> packets;
    std::array<uint8_t, 65536> buffer; // filled by recv() before use
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            return packets;
        }
        // Cooked capture: the payload starts at the IP header.
        if (n < 20 || (buffer[0] >> 4) != 4) {
            continue;
        }
        const std::size_t headerLength = std::size_t{buffer[0] & 0x0fU} * 4;
        Packet packet;
        packet.protocol = buffer[9];
        std::array<char, INET_ADDRSTRLEN> text{};
        ::inet_ntop(AF_INET, buffer.data() + 16, text.data(), text.size());
        packet.destination = text.data();
        if ((packet.protocol == IPPROTO_TCP || packet.protocol == IPPROTO_UDP) &&
            static_cast<std::size_t>(n) >= headerLength + 4) {
            packet.destinationPort =
                static_cast<uint16_t>((buffer[headerLength + 2] << 8) | buffer[headerLength + 3]);
        }
        packets.push_back(packet);
    }
}

} // namespace mamori::test
