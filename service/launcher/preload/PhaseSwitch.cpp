// libmamori-phase.so: preloaded by mamori-run into a program whose profile has phases. At the
// first call of a phase's switch syscall it stacks that phase's filter on every thread of the
// process (TSYNC) before the call goes ahead; seccomp filters can only tighten, which is what
// a phase switch on a stock kernel has to be. The filters come from the launcher through the
// memfd named in MAMORI_PHASES_FD (service/sandbox/PhaseSwitchWire.h).
//
// Written without the C++ runtime (no exceptions, no guarded statics, no allocation after
// start-up) so that it loads into any program and costs one predictable branch per wrapped
// call once every phase has begun.
#include "sandbox/PhaseSwitchWire.h"

#include <array>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

using namespace mamori::sandbox::phasewire;

struct LoadedPhase {
    const PhaseRecord* record;
    const sock_filter* program;
};

std::array<LoadedPhase, kMaxPhases> phases{};
unsigned phaseCount = 0;
// The next phase to enter; fork copies it with the filters, so a child stays where it was.
std::atomic<unsigned> nextPhase{0};

using EpollWait = int (*)(int, epoll_event*, int, int);
using EpollPwait = int (*)(int, epoll_event*, int, int, const sigset_t*);
using Accept = int (*)(int, sockaddr*, socklen_t*);
using Accept4 = int (*)(int, sockaddr*, socklen_t*, int);
using Poll = int (*)(pollfd*, nfds_t, int);
using Ppoll = int (*)(pollfd*, nfds_t, const timespec*, const sigset_t*);
using Select = int (*)(int, fd_set*, fd_set*, fd_set*, timeval*);
using Pselect = int (*)(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*);

EpollWait realEpollWait;
EpollPwait realEpollPwait;
Accept realAccept;
Accept4 realAccept4;
Poll realPoll;
Ppoll realPpoll;
Select realSelect;
Pselect realPselect;

void say(const char* text) {
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text, std::strlen(text));
}

// A phase that cannot begin would leave the program in the looser one: never silently weaker.
[[noreturn]] void failClosed(const char* what, const char* detail) {
    say("mamori-phase: ");
    say(what);
    say(detail);
    say("; stopping the program\n");
    ::syscall(SYS_kill, ::getpid(), SIGKILL);
    for (;;) {
        ::pause();
    }
}

void enter(unsigned index) {
    const LoadedPhase& phase = phases[index];
    sock_fprog program{static_cast<unsigned short>(phase.record->instructionCount),
                       const_cast<sock_filter*>(phase.program)};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) != 0) {
        failClosed("cannot stack the filter of phase ", phase.record->name);
    }
}

// Enters the next phase when `number` is its switch. Of two threads racing here, one stacks
// the filter; the other's call may run a moment earlier in the old phase, which allowed it too.
void reached(long number) {
    unsigned next = nextPhase.load(std::memory_order_acquire);
    if (next >= phaseCount || phases[next].record->explicitTrigger != 0 ||
        phases[next].record->syscall != number) {
        return;
    }
    if (nextPhase.compare_exchange_strong(next, next + 1, std::memory_order_acq_rel)) {
        enter(next);
    }
}

template <typename Function> Function next(const char* name) {
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

void resolveWrapped() {
    realEpollWait = next<EpollWait>("epoll_wait");
    realEpollPwait = next<EpollPwait>("epoll_pwait");
    realAccept = next<Accept>("accept");
    realAccept4 = next<Accept4>("accept4");
    realPoll = next<Poll>("poll");
    realPpoll = next<Ppoll>("ppoll");
    realSelect = next<Select>("select");
    realPselect = next<Pselect>("pselect");
}

void parse(const unsigned char* data, size_t size) {
    if (size < sizeof(Header)) {
        failClosed("malformed phase filters", "");
    }
    const auto* header = reinterpret_cast<const Header*>(data);
    if (header->magic != kMagic || header->phaseCount > kMaxPhases) {
        failClosed("malformed phase filters", "");
    }
    size_t offset = sizeof(Header);
    for (unsigned i = 0; i < header->phaseCount; ++i) {
        if (size - offset < sizeof(PhaseRecord)) {
            failClosed("malformed phase filters", "");
        }
        const auto* record = reinterpret_cast<const PhaseRecord*>(data + offset);
        offset += sizeof(PhaseRecord);
        const size_t bytes = size_t(record->instructionCount) * sizeof(sock_filter);
        if (record->instructionCount == 0 || record->instructionCount > BPF_MAXINSNS ||
            size - offset < bytes) {
            failClosed("malformed phase filters", "");
        }
        phases[i] = {record, reinterpret_cast<const sock_filter*>(data + offset)};
        offset += bytes;
    }
    phaseCount = header->phaseCount;
}

__attribute__((constructor)) void loadPhases() {
    resolveWrapped();
    const char* variable = std::getenv(kFdVariable);
    if (variable == nullptr) {
        return;
    }
    const int fd = std::atoi(variable);
    ::unsetenv(kFdVariable); // programs this one starts get no phases of ours
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
        failClosed("cannot read the phase filters from ", variable);
    }
    void* map = ::mmap(nullptr, size_t(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        failClosed("cannot map the phase filters", "");
    }
    parse(static_cast<const unsigned char*>(map), size_t(info.st_size));
}

} // namespace

extern "C" {

// For profiles whose switch is `explicit`: the program calls this (found with dlsym, so it
// runs unchanged without the launcher) when it is ready for the next phase. Returns 0, or -1
// when NAME is not the next phase.
__attribute__((visibility("default"))) int mamori_enter_phase(const char* name) {
    unsigned next = nextPhase.load(std::memory_order_acquire);
    if (name == nullptr || next >= phaseCount ||
        std::strcmp(phases[next].record->name, name) != 0) {
        return -1;
    }
    if (nextPhase.compare_exchange_strong(next, next + 1, std::memory_order_acq_rel)) {
        enter(next);
    }
    return 0;
}

__attribute__((visibility("default"))) int epoll_wait(int epfd, epoll_event* events, int max,
                                                      int timeout) {
    reached(SYS_epoll_wait);
    return realEpollWait(epfd, events, max, timeout);
}

__attribute__((visibility("default"))) int epoll_pwait(int epfd, epoll_event* events, int max,
                                                       int timeout, const sigset_t* mask) {
    reached(SYS_epoll_pwait);
    return realEpollPwait(epfd, events, max, timeout, mask);
}

__attribute__((visibility("default"))) int accept(int fd, sockaddr* address, socklen_t* length) {
    reached(SYS_accept);
    return realAccept(fd, address, length);
}

__attribute__((visibility("default"))) int accept4(int fd, sockaddr* address, socklen_t* length,
                                                   int flags) {
    reached(SYS_accept4);
    return realAccept4(fd, address, length, flags);
}

__attribute__((visibility("default"))) int poll(pollfd* fds, nfds_t count, int timeout) {
    reached(SYS_poll);
    return realPoll(fds, count, timeout);
}

__attribute__((visibility("default"))) int ppoll(pollfd* fds, nfds_t count, const timespec* timeout,
                                                 const sigset_t* mask) {
    reached(SYS_ppoll);
    return realPpoll(fds, count, timeout, mask);
}

__attribute__((visibility("default"))) int select(int count, fd_set* read, fd_set* write,
                                                  fd_set* except, timeval* timeout) {
    reached(SYS_select);
    return realSelect(count, read, write, except, timeout);
}

__attribute__((visibility("default"))) int pselect(int count, fd_set* read, fd_set* write,
                                                   fd_set* except, const timespec* timeout,
                                                   const sigset_t* mask) {
    reached(SYS_pselect6);
    return realPselect(count, read, write, except, timeout, mask);
}

} // extern "C"
