// Turns what learning recorded into a profile, with the phase semantics the launcher enforces:
// at the first call of a switch syscall it stacks a tighter filter onto the process, and since
// seccomp filters only ever narrow, each phase must allow everything the phases after it need.
//
// With phases P0..Pn whose runs needed T0..Tn (what was recorded, plus the switch syscall that
// enters the phase, even if it was never called):
//   [Syscalls] Allow    = Tn                        what the last phase needs, allowed all along
//   [Phase Pk] Allow    = (Tk ∪ ... ∪ T(n-1)) − Tn  for k < n: allowed until the process leaves
//                                                   the last phase before Pn that needs it
//   [Phase Pn] Allow    = the switch into Pn        named, so the phase is visibly entered
//   [Phases]            Order=P0;..;Pn, Switch.Pk=first:SYSCALL
// so the first phase allows the union of everything. Without phases: [Syscalls] Allow = T0.
// What libc does on the program's behalf (the allocator's brk/mmap/munmap/mremap/madvise,
// futex, sched_yield, rt_sigreturn, restart_syscall, exit, exit_group) recorded in any phase
// counts as needed in every phase: whether a run grew the heap or met a contended lock in a
// phase is luck. And a
// syscall seen in a phase brings its siblings (write/writev/sendto/sendmsg, the read family,
// epoll_wait/epoll_pwait, poll/ppoll): the same operation, chosen by libc or the program by
// buffer layout or timing, so one run may show one and the next run another.
#pragma once

#include "sandbox/Profile.h"

#include <set>
#include <string>
#include <vector>

namespace mamori::sandbox::learning {

// One phase as learned.
struct LearnedPhase {
    std::string name;
    // The syscall whose first call enters this phase; empty for the first phase.
    std::string switchSyscall;
    // What the process tree called while in this phase.
    std::set<std::string> syscalls;
};

struct LearnedProfileOptions {
    // Empty: defaultAppId(binary).
    std::string appId;
    // Absolute path of the program that was learned; empty: no Binary.
    std::string binary;
    // Soft by default, so that a syscall the learning run missed fails rather than kills.
    std::string defaultAction = "errno:EPERM";
    // As run, for the header comment.
    std::vector<std::string> command;
    // For the header comment; empty: now, in UTC (tests pass a fixed one).
    std::string learnedAt;
};

// `phases`: one entry (its name is ignored) for a profile without phases, or 2..4 named ones.
// Throws std::invalid_argument for bad phase names, missing switches, unknown syscalls, an
// unknown action, an invalid app id or a relative binary.
Profile learnedProfile(const std::vector<LearnedPhase>& phases,
                       const LearnedProfileOptions& options);

// The keyfile (ProfileWriter) with a header comment saying how it was learned, what the phases
// buy, and to switch DefaultAction to kill once the program works under the profile.
std::string learnedProfileText(const std::vector<LearnedPhase>& phases,
                               const LearnedProfileOptions& options);

// 1 − |allowed in the last phase| / |allowed in the first phase|: the share of the first
// phase's syscalls the program can no longer make once it reached its last phase. 0 without
// phases.
double attackSurfaceReduction(const Profile& profile);

// "learned.<basename>", with characters an application id cannot hold replaced by '_'.
std::string defaultAppId(const std::string& binary);

} // namespace mamori::sandbox::learning
