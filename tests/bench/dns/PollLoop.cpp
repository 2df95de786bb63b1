#include "PollLoop.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <poll.h>
#include <sys/signalfd.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace mamori::bench {
namespace {

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

PollLoop::PollLoop() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
        fail("sigprocmask");
    }
    signalFd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signalFd_) {
        fail("signalfd");
    }
}

EngineHooks PollLoop::hooks() {
    return {
        [this](int fd, std::function<void()> onReadable) { watches_[fd] = std::move(onReadable); },
        [this](int fd) { watches_.erase(fd); },
        [this](std::chrono::milliseconds delay, std::function<void()> callback) {
            const auto id = nextTimerId_++;
            timers_.emplace(id, Timer{Clock::now() + delay, std::move(callback)});
            return id;
        },
        [this](std::uint64_t id) { timers_.erase(id); }};
}

void PollLoop::run() {
    std::vector<pollfd> fds;
    while (true) {
        fds.clear();
        fds.push_back({signalFd_.get(), POLLIN, 0});
        for (const auto& [fd, handler] : watches_) {
            fds.push_back({fd, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), pollTimeoutMs()) < 0 && errno != EINTR) {
            fail("poll");
        }
        if ((fds[0].revents & POLLIN) != 0 && stopRequested()) {
            return;
        }
        for (auto it = fds.begin() + 1; it != fds.end(); ++it) {
            if ((it->revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            // A handler may unwatch itself or others: look each one up again.
            const auto watch = watches_.find(it->fd);
            if (watch != watches_.end()) {
                const auto handler = watch->second;
                handler();
            }
        }
        dispatchDueTimers();
    }
}

int PollLoop::pollTimeoutMs() const {
    if (timers_.empty()) {
        return -1;
    }
    const auto now = Clock::now();
    auto soonest = Clock::duration::max();
    for (const auto& [id, timer] : timers_) {
        soonest = std::min(soonest, std::max(timer.due - now, Clock::duration::zero()));
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(soonest).count();
    // Rounded up, as mamorid does, so a pending timer is not spun on with zero-length polls.
    return static_cast<int>(std::min<long long>((us + 999) / 1000, 60000));
}

void PollLoop::dispatchDueTimers() {
    const auto now = Clock::now();
    std::vector<std::uint64_t> due;
    for (const auto& [id, timer] : timers_) {
        if (timer.due <= now) {
            due.push_back(id);
        }
    }
    for (const auto id : due) {
        const auto it = timers_.find(id);
        if (it == timers_.end()) {
            continue; // cancelled by an earlier callback
        }
        auto callback = std::move(it->second.callback);
        timers_.erase(it);
        callback();
    }
}

bool PollLoop::stopRequested() {
    signalfd_siginfo info{};
    bool stop = false;
    while (::read(signalFd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        stop = stop || info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM;
    }
    return stop;
}

} // namespace mamori::bench
