#include "core/EventLoop.h"

#include <array>
#include <cerrno>
#include <csignal>
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

int EventLoop::pollTimeoutMs(const sdbus::IConnection::PollData& data) const {
    const auto relative = data.getRelativeTimeout();
    if (!relative) {
        return -1;
    }
    // Round up so that a pending bus timeout is not spun on with zero-length polls.
    return static_cast<int>((relative->count() + 999) / 1000);
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
        std::array<pollfd, 3> fds{
            {{data.fd, data.events, 0}, {signalFd_.get(), POLLIN, 0}, {timerFd_.get(), POLLIN, 0}}};
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
    }
}

} // namespace mamori
