// The bench's stand-in for mamorid's main loop (core/EventLoop, which needs a bus connection):
// the same structure — poll() over every watched fd each round, one-shot timers in a map
// scanned in full for the poll timeout and for due ones — so the engine pays here what it pays
// in mamorid. SIGINT and SIGTERM end run() through a signalfd.
#pragma once

#include "common/EngineHooks.h"
#include "common/UniqueFd.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>

namespace mamori::bench {

class PollLoop {
public:
    // Blocks SIGINT and SIGTERM for the process: they only end run().
    PollLoop();
    PollLoop(const PollLoop&) = delete;
    PollLoop& operator=(const PollLoop&) = delete;

    // Valid as long as the loop lives.
    EngineHooks hooks();
    // Dispatches readable fds and due timers until SIGINT or SIGTERM arrives.
    void run();

private:
    using Clock = std::chrono::steady_clock;
    struct Timer {
        Clock::time_point due;
        std::function<void()> callback;
    };

    int pollTimeoutMs() const;
    void dispatchDueTimers();
    bool stopRequested();

    std::map<int, std::function<void()>> watches_;
    std::map<std::uint64_t, Timer> timers_;
    std::uint64_t nextTimerId_ = 1;
    UniqueFd signalFd_;
};

} // namespace mamori::bench
