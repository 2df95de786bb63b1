// What the compiled filter does with each syscall a profile names, why, and which guarantee
// holds on the kernel it was compiled for. `mamorictl sandbox explain` prints it; the
// supervisor reads the stateful fields to know what to track per sandbox.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace mamori::sandbox {

enum class Treatment {
    Allow,         // unconditional ALLOW: constant action
    ArgumentCheck, // ALLOW when the register comparisons hold, else the default action
    Notify,        // USER_NOTIF: the supervisor decides from its state
    Stateful,      // the seccomp-eBPF filter decides from its state (patched kernels)
    Deny,          // the deny or default action
};

enum class Guarantee {
    ConstantAction,   // allowed; the kernel's cache skips the filter
    FilterAllow,      // allowed by running the filter (no cache on this kernel)
    FilterArgument,   // register comparison in the filter: sound
    FilterDeny,       // refused by the filter itself
    SupervisorDeny,   // refused through the notifier by the supervisor, which reports it
    Supervisor,       // sound decision by the supervisor through the notifier
    EbpfFilter,       // decided in the kernel by the seccomp-eBPF filter (see guaranteeText)
    SupervisorUnsafe, // through the notifier, but not sound on this kernel (TOCTOU, races)
    Unavailable,      // needs the notifier and this kernel has none, or stateless subset
};

struct SyscallPlan {
    std::string name;
    int number = -1;
    Treatment treatment = Treatment::Deny;
    std::string action; // allow, notify, kill, errno:EPERM, log
    std::string reason;
    std::string rule; // the profile statement(s) and file:line
    Guarantee guarantee = Guarantee::FilterDeny;
    std::string guaranteeText;

    // Phases that allow it (empty: no phases in the profile). On a stock kernel the first
    // filter allows it from the start; the filter stacked when a later phase begins that does
    // not allow it refuses it from then on.
    std::vector<std::string> phases;
    std::vector<std::string> entersPhases; // phases whose Switch is its first call

    // For the supervisor.
    std::optional<unsigned long> limit;
    std::vector<std::string> serializedWith;
    std::optional<std::string> pathPrefix;
    unsigned pathIndex = 0;
};

struct Plan {
    std::string profile;
    std::string defaultAction;
    bool statelessSubset = false;
    // Refusals go through the supervisor (which applies the action and reports them).
    bool supervised = false;
    std::vector<SyscallPlan> syscalls; // sorted by name

    const SyscallPlan* find(const std::string& name) const {
        const auto it = std::find_if(syscalls.begin(), syscalls.end(),
                                     [&](const SyscallPlan& p) { return p.name == name; });
        return it == syscalls.end() ? nullptr : &*it;
    }
    bool needsSupervisor() const {
        return std::any_of(syscalls.begin(), syscalls.end(),
                           [](const SyscallPlan& p) { return p.treatment == Treatment::Notify; });
    }
};

} // namespace mamori::sandbox
