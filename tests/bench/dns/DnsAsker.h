// One DNS client of mamori_dns_probe: asks a query over UDP and waits for its answer, timing the
// round trip and the time spent in the system calls where the cgroup sock_addr hooks run.
// Per-query mode behaves like glibc's resolver (res_send): a new socket per query, connected,
// sent on, read with recvfrom (with an address buffer) and closed, so connect4 and recvmsg4 run
// once per lookup. Shared mode sends every query with sendto on one unconnected socket
// (sendmsg4 per query), as dnsperf and dig do.
#pragma once

#include "common/UniqueFd.h"

#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <vector>

namespace mamori::bench {

class DnsAsker {
public:
    using Clock = std::chrono::steady_clock;
    enum class Outcome { Answered, Error, Lost };
    struct Exchange {
        Outcome outcome = Outcome::Error;
        Clock::duration roundTrip{};  // from before the socket to after the answer's recvfrom
        Clock::duration inSyscalls{}; // socket + connect + send (or sendto), and that recvfrom
    };

    // Throws std::system_error if the shared socket cannot be made.
    DnsAsker(sockaddr_in server, bool perQuerySocket, std::chrono::milliseconds timeout);

    // Answered: NOERROR with at least one answer record. Error: another answer, or a failed
    // system call. Lost: nothing within the timeout. Stray datagrams (late answers) are skipped.
    Exchange ask(const std::vector<std::uint8_t>& query);

private:
    Exchange awaitAnswer(int fd, std::uint16_t id, Clock::time_point start, Exchange sent);

    sockaddr_in server_;
    bool perQuerySocket_;
    std::chrono::milliseconds timeout_;
    UniqueFd shared_;
    std::vector<std::uint8_t> buffer_;
};

} // namespace mamori::bench
