// Compiles a Profile into a libseccomp filter (binary-tree optimized) and its per-syscall Plan.
// Stateless allows are unconditional ALLOW rules so the kernel's constant-action cache skips the
// filter for them; register argument rules are filter comparisons; everything stateful (count
// limits, phase-only syscalls, phase triggers, serialized pairs, pointer checks) is USER_NOTIF
// for the supervisor; the rest takes the default action, explicit denies the deny action.
#pragma once

#include "sandbox/KernelSeccomp.h"
#include "sandbox/Plan.h"
#include "sandbox/Profile.h"
#include "sandbox/SeccompFilter.h"

namespace mamori::sandbox {

enum class CompileMode {
    Full,
    // NOTIFY rules become the default action: what runs without a supervisor. Only with an
    // explicit request (the launcher's flag), since it is weaker than the profile.
    StatelessSubset,
};

struct CompiledProfile {
    SeccompFilter filter;
    Plan plan;
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
