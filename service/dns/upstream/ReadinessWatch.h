// Readiness of one socket for reading and/or writing, through the loop's watch() hook.
// EngineHooks only report readability, but a non-blocking connect, a TLS handshake and a full
// send buffer wait for writability: the socket is put in a private epoll set and the loop
// watches that set's fd, which is readable whenever one of the requested events is ready.
#pragma once

#include "common/EngineHooks.h"
#include "common/UniqueFd.h"

#include <cstdint>
#include <functional>

namespace mamori::dns {

class ReadinessWatch {
public:
    struct Events {
        bool readable = false;
        bool writable = false;
        bool error = false; // EPOLLERR/EPOLLHUP: the next read/write tells what happened
    };

    // Starts with interest in reading only. `onReady` runs from the loop.
    ReadinessWatch(EngineHooks& hooks, int socketFd, std::function<void(Events)> onReady);
    ~ReadinessWatch();
    ReadinessWatch(const ReadinessWatch&) = delete;
    ReadinessWatch& operator=(const ReadinessWatch&) = delete;

    // Level-triggered: ask for writability only while there is something to write.
    void want(bool read, bool write);
    // No more callbacks, now (epoll reports errors and hang-ups whatever was asked for, so a
    // finished socket waiting to be freed would otherwise keep firing).
    void stop();

private:
    void dispatch();

    EngineHooks& hooks_;
    int socketFd_;
    UniqueFd epoll_;
    uint32_t mask_ = 0;
    bool watching_ = false;
    std::function<void(Events)> onReady_;
};

} // namespace mamori::dns
