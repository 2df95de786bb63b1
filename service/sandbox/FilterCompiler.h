// Compiles a Profile into a libseccomp filter (binary-tree optimized), one stacked filter per
// phase after the first, and the per-syscall Plan. Allows are unconditional ALLOW rules so the
// kernel's constant-action cache skips the filter for them; register argument rules are filter
// comparisons; everything stateful (count limits, serialized pairs, pointer checks) is
// USER_NOTIF for the supervisor — or, unsupervised on a kernel with the seccomp-eBPF patches,
// allowed by the classic filter and decided by one seccomp-eBPF filter stacked on it
// (StatefulFilter); the rest takes the default action, explicit denies the deny action. Phases: a
// stock kernel can only add filters, so the first allows what every phase needs and each phase's
// filter, stacked by the process at its switch, refuses what only the phases before it needed.
#pragma once

#include "sandbox/KernelSeccomp.h"
#include "sandbox/Plan.h"
#include "sandbox/Profile.h"
#include "sandbox/SeccompFilter.h"
#include "sandbox/StatefulFilter.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mamori::sandbox {

enum class CompileMode {
    // Stateful rules notify; refusals are the filter's own (explain, unsupervised runs).
    Full,
    // Full, and refusals and every execve notify too: the supervisor applies the action and
    // reports the violation, and lets the launcher's own execve through exactly once.
    Supervised,
    // NOTIFY rules become the default action: what runs without a supervisor. Only with an
    // explicit request (the launcher's flag), since it is weaker than the profile.
    StatelessSubset,
};

// A phase's filter, stacked on the first when the phase begins.
struct PhaseFilter {
    std::string name;
    bool explicitTrigger = false;
    int syscall = -1; // the switch: its first call
    std::vector<std::uint8_t> bpf;
    std::vector<std::string> refused; // what it takes away, for explain and tests
};

struct CompiledProfile {
    SeccompFilter filter;
    Plan plan;
    std::vector<PhaseFilter> phaseFilters;
    // On a kernel with the seccomp-eBPF patches: the stateful rules, stacked on `filter`.
    std::optional<StatefulFilter> stateful;
};

class FilterCompiler {
public:
    explicit FilterCompiler(KernelSeccomp kernel);

    // Throws KeyFileError at a rule's file:line when libseccomp rejects it.
    CompiledProfile compile(const Profile& profile, CompileMode mode = CompileMode::Full) const;
    // The plan line for a syscall the profile does not name: the default action.
    static SyscallPlan unnamed(const Profile& profile, const std::string& syscall);

private:
    KernelSeccomp kernel_;
};

} // namespace mamori::sandbox
