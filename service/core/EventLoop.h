// mamorid's single-threaded main loop: the bus connection, UNIX signals (through a signalfd)
// and the systemd watchdog, all on one thread so handlers never need locks.
#pragma once

#include "common/UniqueFd.h"

#include <chrono>
#include <functional>
#include <map>
#include <sdbus-c++/IConnection.h>

namespace mamori {

class EventLoop {
public:
    explicit EventLoop(sdbus::IConnection& connection);
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Must be called before run(); the signal is blocked for normal delivery from then on.
    void onSignal(int signo, std::function<void()> handler);
    // Calls `tick` every `interval` (used for WATCHDOG=1).
    void every(std::chrono::microseconds interval, std::function<void()> tick);

    void run();
    void quit() { running_ = false; }

private:
    void dispatchSignals();
    void dispatchTimer();
    int pollTimeoutMs(const sdbus::IConnection::PollData& data) const;

    sdbus::IConnection& connection_;
    std::map<int, std::function<void()>> signalHandlers_;
    std::function<void()> tick_;
    UniqueFd signalFd_;
    UniqueFd timerFd_;
    bool running_ = false;
};

} // namespace mamori
