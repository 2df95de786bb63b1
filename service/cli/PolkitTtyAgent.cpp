#include "cli/PolkitTtyAgent.h"

#include "common/UniqueFd.h"

#include <array>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace mamori::cli {
namespace {

constexpr const char* kAgent = "/usr/bin/pkttyagent";
constexpr int kRegistrationTimeoutMs = 5000;

// Waits until the agent closes its end of the pipe, which it does once it is registered.
void waitForRegistration(int readFd) {
    pollfd pfd{readFd, POLLIN, 0};
    (void)poll(&pfd, 1, kRegistrationTimeoutMs);
}

} // namespace

PolkitTtyAgent::PolkitTtyAgent() {
    if (geteuid() == 0 || isatty(STDIN_FILENO) == 0 || access(kAgent, X_OK) != 0) {
        return;
    }
    std::array<int, 2> fds{};
    if (pipe2(fds.data(), O_CLOEXEC) != 0) {
        return;
    }
    UniqueFd readEnd(fds[0]);
    UniqueFd writeEnd(fds[1]);
    const std::string process = std::to_string(getpid());
    pid_ = fork();
    if (pid_ == 0) {
        const int notify = dup(writeEnd.get()); // without O_CLOEXEC, so the agent inherits it
        const std::string notifyArg = "--notify-fd=" + std::to_string(notify);
        execl(kAgent, kAgent, "--fallback", notifyArg.c_str(), "--process", process.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    writeEnd.reset();
    if (pid_ > 0) {
        waitForRegistration(readEnd.get());
    }
}

PolkitTtyAgent::~PolkitTtyAgent() {
    if (pid_ <= 0) {
        return;
    }
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
}

} // namespace mamori::cli
