#include "core/EventLoop.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <system_error>
#include <unistd.h>

namespace mamori {
namespace {

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

EventLoop::EventLoop(sdbus::IConnection& connection)
    : connection_(connection) {}

void EventLoop::onSignal(int signo, std::function<void()> handler) {
    signalHandlers_[signo] = std::move(handler);
    sigset_t mask;
    sigemptyset(&mask);
    for (const auto& [sig, _] : signalHandlers_) {
        sigaddset(&mask, sig);
    }
    if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
        fail("sigprocmask");
    }
    const int fd = ::signalfd(signalFd_.get(), &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) {
        fail("signalfd");
    }
    if (fd != signalFd_.get()) {
        signalFd_.reset(fd);
    }
}

void EventLoop::every(std::chrono::microseconds interval, std::function<void()> tick) {
    tick_ = std::move(tick);
    if (!timerFd_) {
        timerFd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
        if (!timerFd_) {
            fail("timerfd_create");
        }
    }
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(interval);
    const auto nsecs = std::chrono::duration_cast<std::chrono::nanoseconds>(interval - secs);
    itimerspec spec{};
    spec.it_interval.tv_sec = secs.count();
    spec.it_interval.tv_nsec = nsecs.count();
    spec.it_value = spec.it_interval;
    if (::timerfd_settime(timerFd_.get(), 0, &spec, nullptr) != 0) {
        fail("timerfd_settime");
    }
}

void EventLoop::watch(int fd, std::function<void()> onReadable) {
    watches_[fd] = std::move(onReadable);
}

void EventLoop::unwatch(int fd) {
    watches_.erase(fd);
}

EventLoop::TimerId EventLoop::after(std::chrono::milliseconds delay,
                                    std::function<void()> callback) {
    const TimerId id = nextTimerId_++;
    timers_.emplace(id, Timer{Clock::now() + delay, std::move(callback)});
    return id;
}

void EventLoop::cancel(TimerId id) {
    timers_.erase(id);
}

int EventLoop::pollTimeoutMs(const sdbus::IConnection::PollData& data) const {
    std::optional<std::chrono::microseconds> timeout = data.getRelativeTimeout();
    const auto now = Clock::now();
    for (const auto& [id, timer] : timers_) {
        const auto untilDue = std::chrono::duration_cast<std::chrono::microseconds>(
            std::max(timer.due - now, Clock::duration::zero()));
        if (!timeout || untilDue < *timeout) {
            timeout = untilDue;
        }
    }
    if (!timeout) {
        return -1;
    }
    // Round up so that a pending timeout is not spun on with zero-length polls.
    return static_cast<int>((timeout->count() + 999) / 1000);
}

void EventLoop::dispatchWatches(const std::vector<pollfd>& fds) {
    for (const auto& pfd : fds) {
        if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
            continue;
        }
        // A handler may unwatch itself or others; look each one up again.
        const auto it = watches_.find(pfd.fd);
        if (it != watches_.end()) {
            auto handler = it->second;
            handler();
        }
    }
}

void EventLoop::dispatchDueTimers() {
    const auto now = Clock::now();
    std::vector<TimerId> due;
    for (const auto& [id, timer] : timers_) {
        if (timer.due <= now) {
            due.push_back(id);
        }
    }
    for (const TimerId id : due) {
        const auto it = timers_.find(id);
        if (it == timers_.end()) {
            continue; // cancelled by an earlier callback
        }
        auto callback = std::move(it->second.callback);
        timers_.erase(it);
        callback();
    }
}

void EventLoop::dispatchSignals() {
    signalfd_siginfo info{};
    while (::read(signalFd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        const auto it = signalHandlers_.find(static_cast<int>(info.ssi_signo));
        if (it != signalHandlers_.end()) {
            it->second();
        }
    }
}

void EventLoop::dispatchTimer() {
    uint64_t expirations = 0;
    if (::read(timerFd_.get(), &expirations, sizeof expirations) > 0 && tick_) {
        tick_();
    }
}

void EventLoop::run() {
    running_ = true;
    while (running_) {
        while (running_ && connection_.processPendingRequest()) {
        }
        if (!running_) {
            break;
        }
        const auto data = connection_.getEventLoopPollData();
        std::vector<pollfd> fds{
            {data.fd, data.events, 0}, {signalFd_.get(), POLLIN, 0}, {timerFd_.get(), POLLIN, 0}};
        for (const auto& [fd, handler] : watches_) {
            fds.push_back({fd, POLLIN, 0});
        }
        const int n = ::poll(fds.data(), fds.size(), pollTimeoutMs(data));
        if (n < 0 && errno != EINTR) {
            fail("poll");
        }
        if (fds[1].revents & POLLIN) {
            dispatchSignals();
        }
        if (fds[2].revents & POLLIN) {
            dispatchTimer();
        }
        dispatchWatches({fds.begin() + 3, fds.end()});
        dispatchDueTimers();
    }
}

} // namespace mamori
