// Gives a merged RawProfile its meaning: expands groups, checks every syscall name against
// libseccomp, parses actions, phases, limits, pairs and argument rules, and rejects conflicting
// rules. Every error is a KeyFileError naming the file:line of the offending item.
#pragma once

#include "sandbox/Profile.h"
#include "sandbox/RawProfile.h"

namespace mamori::sandbox {

class ProfileBuilder {
public:
    static Profile build(const RawProfile& raw);
    // `kill`, `log`, `errno:EPERM` or `errno:N` (1..4095); std::nullopt for anything else.
    static std::optional<Action> parseAction(const std::string& text);
    // The syscalls a phase allows: [Syscalls] Allow plus the phase's own Allow.
    static std::map<std::string, RuleRef> allowedIn(const Profile& profile, const Phase& phase);
    // Allowed in at least one phase (or, without phases, at all).
    static bool allowedAnywhere(const Profile& profile, const std::string& syscall);
};

} // namespace mamori::sandbox
