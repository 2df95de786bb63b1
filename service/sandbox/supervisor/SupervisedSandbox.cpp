#include "sandbox/supervisor/SupervisedSandbox.h"

#include "common/Log.h"
#include "sandbox/SyscallGroups.h"
#include "sandbox/supervisor/TaskMemory.h"

#include <cerrno>
#include <csignal>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace mamori::sandbox {
namespace {

std::string syscallName(int number) {
    std::string name = SyscallGroups::nameOf(number);
    return name.empty() ? "syscall " + std::to_string(number) : name;
}

// Whether the task that sent the notification is still waiting for it. Checked after reading
// its memory and before signalling it, so that a recycled pid is never acted on.
bool stillWaiting(int listener, const seccomp_notif& request) {
    auto id = request.id;
    return ::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

// A path under the prefix, spelled without `..` components that could climb out of it.
bool isUnder(const std::string& path, const std::string& prefix) {
    if (!path.starts_with(prefix) ||
        (path.size() > prefix.size() && !prefix.ends_with('/') && path[prefix.size()] != '/')) {
        return false;
    }
    return path.find("/../") == std::string::npos && !path.ends_with("/..");
}

} // namespace

SupervisedSandbox::SupervisedSandbox(SandboxInfo info, const Profile& profile, Plan plan,
                                     UniqueFd listener)
    : info_(std::move(info))
    , defaultAction_(profile.defaultAction)
    , denyAction_(profile.denyAction)
    , plan_(std::move(plan))
    , listener_(std::move(listener)) {
    for (const auto& row : plan_.syscalls) {
        rows_[row.number] = &row;
    }
}

bool SupervisedSandbox::serviceListener(const Reporter& reporter) {
    pollfd pfd{listener_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, 0) <= 0 || (pfd.revents & POLLIN) == 0) {
        return (pfd.revents & (POLLHUP | POLLERR)) == 0;
    }
    seccomp_notif request{};
    if (::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) {
        // ENOENT: the task was killed while we looked; nothing to answer.
        return true;
    }
    ++info_.notifications;
    const Decision decision = decide(request);
    if (!decision.allow || decision.action.kind == ActionKind::Log) {
        report(request, decision, reporter);
    }
    answer(request, decision);
    return true;
}

SupervisedSandbox::Decision SupervisedSandbox::decide(const seccomp_notif& request) {
    const int nr = request.data.nr;
    if (nr == SYS_execve && !launcherExecPassed_) {
        // The launcher's thread installed the filter and its only call since is this execve.
        launcherExecPassed_ = true;
        return {true, {}, {}};
    }
    const auto it = rows_.find(nr);
    if (it == rows_.end()) {
        return refuse(defaultAction_, "DefaultAction (not allowed by the profile)");
    }
    const SyscallPlan& row = *it->second;
    switch (row.treatment) {
    case Treatment::Deny:
        return refuse(row.reason == "denied" ? denyAction_ : defaultAction_, row.rule);
    case Treatment::ArgumentCheck:
        // The filter allows the calls that pass the rule; the rest come here.
        return refuse(defaultAction_, "[Arguments] " + row.name + ": " + row.action);
    case Treatment::Stateful:
        // The classic filter hands these to the seccomp-eBPF filter; only a call failing a
        // register rule of the same syscall comes here.
        return refuse(defaultAction_, "[Arguments] " + row.name + ": register rule");
    case Treatment::Allow:
        return {true, {}, {}};
    case Treatment::Notify:
        break;
    }
    return decideStateful(request, row);
}

SupervisedSandbox::Decision SupervisedSandbox::decideStateful(const seccomp_notif& request,
                                                              const SyscallPlan& row) {
    if (row.limit) {
        const unsigned long made = ++counts_[row.number];
        if (made > *row.limit) {
            return refuse(denyAction_, "[Limits] " + row.name + "=" + std::to_string(*row.limit) +
                                           " (call " + std::to_string(made) + ")");
        }
    }
    if (row.pathPrefix) {
        const auto path = TaskMemory::readString(static_cast<pid_t>(request.pid),
                                                 request.data.args[row.pathIndex]);
        if (!stillWaiting(listener_.get(), request)) {
            return refuse(defaultAction_, "task gone");
        }
        if (!path || !isUnder(*path, *row.pathPrefix)) {
            return refuse(defaultAction_, "[Arguments] " + row.name + " path prefix " +
                                              *row.pathPrefix + ": '" + path.value_or("?") + "'");
        }
    }
    // Serialized pairs pass: the notifier never learns when a continued call ends, so it
    // cannot hold the other call back until then (docs/sandbox-profiles.md, guarantees).
    return {true, {}, {}};
}

SupervisedSandbox::Decision SupervisedSandbox::refuse(const Action& action,
                                                      std::string rule) const {
    return {action.kind == ActionKind::Log, action, std::move(rule)};
}

void SupervisedSandbox::answer(const seccomp_notif& request, const Decision& decision) {
    seccomp_notif_resp response{};
    response.id = request.id;
    if (decision.allow) {
        response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else if (decision.action.kind == ActionKind::Errno) {
        response.error = -decision.action.errnoValue;
    } else {
        kill(request);
        response.error = -EPERM;
    }
    // ENOENT: the task is gone (killed, or its syscall interrupted); nothing to answer.
    ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &response);
}

void SupervisedSandbox::kill(const seccomp_notif& request) const {
    const pid_t process = TaskMemory::threadGroupOf(static_cast<pid_t>(request.pid));
    if (process <= 0) {
        return;
    }
    const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, process, 0)));
    // The pidfd pins the process it names; the task still waiting on us proves it is ours.
    if (!pidfd || !stillWaiting(listener_.get(), request)) {
        return;
    }
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
}

void SupervisedSandbox::report(const seccomp_notif& request, const Decision& decision,
                               const Reporter& reporter) {
    ++info_.violations;
    const auto now = std::chrono::steady_clock::now();
    if (now - reportWindow_ >= std::chrono::seconds(1)) {
        reportWindow_ = now;
        reportsInWindow_ = 0;
    }
    if (++reportsInWindow_ > SandboxSupervisor::kViolationSignalsPerSecond || !reporter) {
        return;
    }
    const std::string name = syscallName(request.data.nr);
    log::notice("sandbox " + std::to_string(info_.id) + " (" + info_.profile + "): pid " +
                std::to_string(request.pid) + " " + name + " refused by " + decision.rule + ": " +
                decision.action.text);
    reporter({info_.id, info_.app, request.pid, name, decision.rule, decision.action.text});
}

} // namespace mamori::sandbox
