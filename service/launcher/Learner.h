// mamori-run --learn: runs a command once while the syscall recorder watches its process tree,
// then writes the profile learned from that run (service/sandbox/learning).
#pragma once

#include <string>
#include <vector>

namespace mamori::launcher {

struct LearnOptions {
    // The .profile to write (atomically: readers see the old file or the new one).
    std::string output;
    // Phase names, in order; empty: a profile without phases.
    std::vector<std::string> phases;
    // Syscall names, one per phase after the first: the first call of switches[k] enters
    // phases[k + 1].
    std::vector<std::string> switches;
    // Empty: errno:EPERM, so that what the run missed fails softly while the profile is tried.
    std::string defaultAction;
    // Empty: "learned.<basename of COMMAND>".
    std::string appId;
    std::vector<std::string> command;
};

// Starts COMMAND (searched on PATH), records what its process tree does until COMMAND exits,
// writes the profile and prints a summary (syscalls per phase, attack-surface reduction) to
// stderr. SIGINT and SIGTERM sent to the learner are passed on to COMMAND, so a server can be
// stopped once it has been exercised; the profile is written either way.
//
// Returns COMMAND's exit status, or 128 + the signal that ended it. Throws LaunchError
// (Launcher.h) with kExitLauncherError for bad options, kExitNotFound / kExitCannotExecute when
// COMMAND cannot be started (no profile is written then), and kernel::BpfError when the
// recorder cannot be loaded ("learning needs root (CAP_BPF + CAP_PERFMON): ...").
int learn(const LearnOptions& options);

} // namespace mamori::launcher
