// A tiny stand-in for mamorid's EventLoop: polls the fds the engine watches and runs its
// timers, so the tests drive the engine on their own thread. fireTimers() runs every pending
// timer at once, so a 30 s approval timeout costs the test nothing.
#pragma once

#include "common/EngineHooks.h"

#include <chrono>
#include <functional>
#include <map>
#include <poll.h>
#include <sys/socket.h>
#include <vector>

class TestLoop {
public:
    mamori::EngineHooks hooks() {
        return {[this](int fd, std::function<void()> cb) { watches_[fd] = std::move(cb); },
                [this](int fd) { watches_.erase(fd); },
                [this](std::chrono::milliseconds delay, std::function<void()> cb) {
                    const uint64_t id = nextId_++;
                    timers_[id] = {Clock::now() + delay, std::move(cb)};
                    return id;
                },
                [this](uint64_t id) { timers_.erase(id); }};
    }

    // Dispatches readable fds and due timers until `duration` has passed.
    void runFor(std::chrono::milliseconds duration) {
        const auto end = Clock::now() + duration;
        do {
            pollOnce(10);
            runDueTimers(false);
        } while (Clock::now() < end);
    }

    // Like runFor, but returns as soon as `done` holds; false on timeout.
    bool runUntil(const std::function<bool()>& done,
                  std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        const auto end = Clock::now() + limit;
        while (!done()) {
            if (Clock::now() >= end) {
                return false;
            }
            pollOnce(10);
            runDueTimers(false);
        }
        return true;
    }

    void fireTimers() { runDueTimers(true); }
    std::size_t pendingTimers() const { return timers_.size(); }
    std::size_t watchCount() const { return watches_.size(); }

    // Throws away every datagram queued on the watched fds, unread: what the kernel does to
    // uevents that overflow a netlink socket. Returns how many were dropped.
    std::size_t dropQueued() {
        std::size_t dropped = 0;
        for (const auto& [fd, cb] : watches_) {
            char byte = 0;
            // MSG_TRUNC: a datagram is consumed whole even though one byte is read.
            while (::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_TRUNC) >= 0) {
                ++dropped;
            }
        }
        return dropped;
    }

private:
    using Clock = std::chrono::steady_clock;
    struct Timer {
        Clock::time_point due;
        std::function<void()> callback;
    };

    void pollOnce(int timeoutMs) {
        std::vector<pollfd> fds;
        for (const auto& [fd, cb] : watches_) {
            fds.push_back({fd, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), timeoutMs) <= 0) {
            return;
        }
        for (const auto& p : fds) {
            const auto it = watches_.find(p.fd);
            if ((p.revents & POLLIN) != 0 && it != watches_.end()) {
                const auto callback = it->second; // the callback may unwatch
                callback();
            }
        }
    }

    void runDueTimers(bool all) {
        std::vector<uint64_t> due;
        for (const auto& [id, timer] : timers_) {
            if (all || timer.due <= Clock::now()) {
                due.push_back(id);
            }
        }
        for (const auto id : due) {
            const auto it = timers_.find(id);
            if (it == timers_.end()) {
                continue; // cancelled by an earlier callback
            }
            const auto callback = std::move(it->second.callback);
            timers_.erase(it);
            callback();
        }
    }

    std::map<int, std::function<void()>> watches_;
    std::map<uint64_t, Timer> timers_;
    uint64_t nextId_ = 1;
};
