// mamorid's single-threaded main loop: the bus connection, UNIX signals (through a signalfd),
// the systemd watchdog, engines' file descriptors (udev monitors, ring buffers) and one-shot
// timers, all on one thread so handlers never need locks.
#pragma once

#include "common/UniqueFd.h"

#include <chrono>
#include <functional>
#include <map>
#include <poll.h>
#include <sdbus-c++/IConnection.h>
#include <vector>

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

    // Calls `onReadable` whenever `fd` can be read, until unwatch(fd). The caller owns the fd.
    void watch(int fd, std::function<void()> onReadable);
    void unwatch(int fd);

    // Calls `callback` once, `delay` from now, unless cancelled first.
    using TimerId = uint64_t;
    TimerId after(std::chrono::milliseconds delay, std::function<void()> callback);
    void cancel(TimerId id);

    void run();
    void quit() { running_ = false; }

private:
    using Clock = std::chrono::steady_clock;
    struct Timer {
        Clock::time_point due;
        std::function<void()> callback;
    };

    void dispatchSignals();
    void dispatchTimer();
    void dispatchWatches(const std::vector<pollfd>& fds);
    void dispatchDueTimers();
    int pollTimeoutMs(const sdbus::IConnection::PollData& data) const;

    sdbus::IConnection& connection_;
    std::map<int, std::function<void()>> signalHandlers_;
    std::function<void()> tick_;
    std::map<int, std::function<void()>> watches_;
    std::map<TimerId, Timer> timers_;
    TimerId nextTimerId_ = 1;
    UniqueFd signalFd_;
    UniqueFd timerFd_;
    bool running_ = false;
};

} // namespace mamori
