// The pieces of mamorid's main loop an engine needs (the devices engine, the sandbox
// supervisor). Engines take them as callbacks instead of linking core/EventLoop, because core
// depends on the engines' libraries (and unit tests drive them from a tiny poll loop of their
// own).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace mamori {

struct EngineHooks {
    // Calls the callback whenever fd can be read, until unwatch(fd). The engine owns the fd.
    std::function<void(int fd, std::function<void()> onReadable)> watch;
    std::function<void(int fd)> unwatch;
    // One-shot timer; returns an id for cancel(). Cancelling a fired or unknown id is harmless.
    std::function<uint64_t(std::chrono::milliseconds delay, std::function<void()> callback)> after;
    std::function<void(uint64_t id)> cancel;
};

} // namespace mamori
