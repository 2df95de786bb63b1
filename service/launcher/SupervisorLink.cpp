#include "launcher/SupervisorLink.h"

#include "common/Names.h"
#include "common/UniqueFd.h"
#include "sandbox/KernelSeccomp.h"

#include <chrono>
#include <cstdio>
#include <dirent.h>
#include <sdbus-c++/sdbus-c++.h>
#include <thread>
#include <unistd.h>

namespace mamori::launcher {
namespace {

// The listener appears in the descriptor table when the main thread's seccomp() returns; no
// other notifier fd exists in the launcher.
int findListener() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    int found = -1;
    while (const dirent* entry = ::readdir(dir)) {
        const int fd = std::atoi(entry->d_name);
        if (entry->d_name[0] != '.' && fd != ::dirfd(dir) &&
            sandbox::KernelSeccomp::isNotifierFd(fd)) {
            found = fd;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

int waitForListener() {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (const int fd = findListener(); fd >= 0) {
            return fd;
        }
        std::this_thread::sleep_for(200us);
    }
    return -1;
}

// Ends the whole process, main thread included (exit_group from this unfiltered thread).
[[noreturn]] void refuse(const std::string& message, int status) {
    std::fprintf(stderr, "mamori-run: %s\n", message.c_str());
    std::fflush(stderr);
    ::_exit(status);
}

} // namespace

std::unique_ptr<SupervisorLink> SupervisorLink::connect() {
    try {
        auto connection = sdbus::createSystemBusConnection();
        auto bus = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        bool running = false;
        bus->callMethod("NameHasOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(std::string(names::kBusName))
            .storeResultsTo(running);
        if (!running) {
            return nullptr;
        }
        return std::make_unique<SupervisorLink>(std::move(connection));
    } catch (const sdbus::Error&) {
        return nullptr;
    }
}

SupervisorLink::SupervisorLink(std::unique_ptr<sdbus::IConnection> connection)
    : connection_(std::move(connection))
    , proxy_(sdbus::createProxy(*connection_, std::string(names::kBusName),
                                std::string(names::kRootPath))) {}

void SupervisorLink::registerWhenInstalled(std::string name, std::string profileText,
                                           int exitStatus) {
    // The thread outlives nothing: the main thread's execve ends it, or it ends the process.
    std::thread([this, name = std::move(name), text = std::move(profileText), exitStatus] {
        const int listener = waitForListener();
        if (listener < 0) {
            refuse("the filter's notifier did not appear; not starting unsupervised", exitStatus);
        }
        try {
            // Adopted, not duplicated: a plain dup would drop close-on-exec and leave the
            // program a listener of its own filter, with which it could answer for the
            // supervisor (and keep its notifications from failing when mamorid dies). The
            // message carries its own copy; ours is closed once it is sent.
            sdbus::UnixFd handed(listener, sdbus::adopt_fd);
            uint64_t id = 0;
            proxy_->callMethod("RegisterSandbox")
                .onInterface(std::string(names::iface::kSandbox))
                .withArguments(name, text, handed, static_cast<uint32_t>(::getpid()))
                .storeResultsTo(id);
        } catch (const sdbus::Error& e) {
            refuse("mamorid refused to supervise profile " + name + ": " + e.getMessage() + " (" +
                       e.getName() + ")",
                   exitStatus);
        }
    }).detach();
}

} // namespace mamori::launcher
