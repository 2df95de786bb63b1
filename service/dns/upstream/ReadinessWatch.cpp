#include "dns/upstream/ReadinessWatch.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>

namespace mamori::dns {

ReadinessWatch::ReadinessWatch(EngineHooks& hooks, int socketFd,
                               std::function<void(Events)> onReady)
    : hooks_(hooks)
    , socketFd_(socketFd)
    , epoll_(::epoll_create1(EPOLL_CLOEXEC))
    , onReady_(std::move(onReady)) {
    if (!epoll_) {
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = mask_ = EPOLLIN;
    ev.data.fd = socketFd_;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, socketFd_, &ev) != 0) {
        throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    }
    hooks_.watch(epoll_.get(), [this] { dispatch(); });
    watching_ = true;
}

ReadinessWatch::~ReadinessWatch() {
    stop();
}

void ReadinessWatch::stop() {
    if (watching_) {
        watching_ = false;
        hooks_.unwatch(epoll_.get());
    }
}

void ReadinessWatch::want(bool read, bool write) {
    if (!watching_) {
        return;
    }
    const uint32_t mask = (read ? EPOLLIN : 0U) | (write ? EPOLLOUT : 0U);
    if (mask == mask_) {
        return;
    }
    epoll_event ev{};
    ev.events = mask_ = mask;
    ev.data.fd = socketFd_;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, socketFd_, &ev);
}

void ReadinessWatch::dispatch() {
    epoll_event ev{};
    if (!watching_ || ::epoll_wait(epoll_.get(), &ev, 1, 0) != 1) {
        return;
    }
    // Last statement: the owner may retire this watch from inside the callback.
    onReady_({(ev.events & EPOLLIN) != 0, (ev.events & EPOLLOUT) != 0,
              (ev.events & (EPOLLERR | EPOLLHUP)) != 0});
}

} // namespace mamori::dns
