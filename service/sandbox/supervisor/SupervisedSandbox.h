// One supervised sandbox: its seccomp listener, the plan compiled from its profile and the
// state the filter cannot keep. Every notification is answered from that state: CONTINUE for
// what the profile allows (within its count, after the launcher's first exec, a path under its
// prefix), otherwise the profile's action — errno, kill (SIGKILL through a pidfd) or log — and
// a violation report.
#pragma once

#include "common/UniqueFd.h"
#include "sandbox/Plan.h"
#include "sandbox/Profile.h"
#include "sandbox/supervisor/SandboxSupervisor.h"

#include <chrono>
#include <functional>
#include <linux/seccomp.h>
#include <map>

namespace mamori::sandbox {

class SupervisedSandbox {
public:
    using Reporter = std::function<void(const ViolationReport&)>;

    SupervisedSandbox(SandboxInfo info, const Profile& profile, Plan plan, UniqueFd listener);

    int fd() const { return listener_.get(); }
    const SandboxInfo& info() const { return info_; }

    // Answers the pending notification, if any. Returns false once no process is left under
    // the filter (the listener hung up): the sandbox has ended.
    bool serviceListener(const Reporter& report);

private:
    struct Decision {
        bool allow = false;
        Action action; // when refused
        std::string rule;
    };

    Decision decide(const seccomp_notif& request);
    Decision decideStateful(const seccomp_notif& request, const SyscallPlan& row);
    Decision refuse(const Action& action, std::string rule) const;
    void answer(const seccomp_notif& request, const Decision& decision);
    void kill(const seccomp_notif& request) const;
    void report(const seccomp_notif& request, const Decision& decision, const Reporter& reporter);

    SandboxInfo info_;
    Action defaultAction_;
    Action denyAction_;
    Plan plan_;
    std::map<int, const SyscallPlan*> rows_; // by syscall number
    UniqueFd listener_;
    bool launcherExecPassed_ = false;
    std::map<int, unsigned long> counts_;
    std::chrono::steady_clock::time_point reportWindow_;
    unsigned reportsInWindow_ = 0;
};

} // namespace mamori::sandbox
