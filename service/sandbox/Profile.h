// The sandbox profile model: what a profile means after its layers and includes are merged and
// every name is checked. The compiler turns it into a filter; the supervisor (later) consumes
// the stateful parts — phases and their triggers, count limits, serialized pairs, pointer checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mamori::sandbox {

// Where a rule was written, so that every message and every plan line can name file:line.
struct Origin {
    std::string file;
    int line = 0;

    std::string str() const { return file + ":" + std::to_string(line); }
};

// One profile statement that put a syscall into a set: its text (e.g. `Allow=@system-service`)
// and where it was written.
struct RuleRef {
    std::string text;
    Origin origin;

    std::string str() const { return text + " (" + origin.str() + ")"; }
};

enum class ActionKind { Kill, Errno, Log };

struct Action {
    ActionKind kind = ActionKind::Kill;
    int errnoValue = 0;
    // As the profile spelled it, normalised: `kill`, `errno:EPERM`, `errno:13`, `log`.
    std::string text = "kill";
};

enum class TriggerKind { FirstCall, Explicit };

// What moves the process into a phase: the first call of a syscall, or an explicit request
// from the program (through the launcher's preload library, later).
struct PhaseSwitch {
    TriggerKind kind = TriggerKind::FirstCall;
    std::string syscall;
    Origin origin;
};

struct Phase {
    std::string name;
    // Syscalls this phase allows on top of [Syscalls] Allow.
    std::map<std::string, RuleRef> allow;
    // Empty for the first phase, which the process starts in.
    std::optional<PhaseSwitch> entry;
};

enum class CompareOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, MaskedEqual };

// A comparison on a syscall argument's register value; the filter can check it soundly.
struct ArgCondition {
    unsigned index = 0;
    CompareOp op = CompareOp::Equal;
    std::uint64_t value = 0;
    std::uint64_t mask = 0; // only for MaskedEqual
};

struct ArgumentRule {
    std::string syscall;
    std::string text;
    Origin origin;
    // The call passes when any alternative holds; an alternative holds when all its conditions
    // do. `in {a,b}` becomes one alternative per value.
    std::vector<std::vector<ArgCondition>> alternatives;
    // A check on what a pointer argument points to (path prefix): only the notifier can look,
    // and it reads user memory the program can change after the check (TOCTOU).
    std::optional<std::string> pathPrefix;
    unsigned pathIndex = 0;
};

struct CountLimit {
    unsigned long count = 0;
    Origin origin;
};

struct SerializedPair {
    std::string first;
    std::string second;
    Origin origin;
};

struct Profile {
    std::string name;
    std::string id;
    std::string binary;
    // The files merged into this profile, in merge order (includes first, then layers).
    std::vector<std::string> sources;
    Action defaultAction;
    Action denyAction;
    bool allowUnsafePointerChecks = false;
    // Allowed in every phase.
    std::map<std::string, RuleRef> allow;
    // Denied explicitly (names and members of denied groups).
    std::map<std::string, RuleRef> deny;
    // In [Phases] Order; empty when the profile has no phases.
    std::vector<Phase> phases;
    std::map<std::string, CountLimit> limits;
    std::vector<SerializedPair> pairs;
    std::map<std::string, ArgumentRule> arguments;
};

} // namespace mamori::sandbox
