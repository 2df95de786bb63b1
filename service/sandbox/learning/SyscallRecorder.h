// Learning mode's eye on the kernel: loads bpf/syscall_recorder.bpf.c, attaches its tracepoints
// (tp_btf sys_enter, sched_process_fork, sched_process_exit) and reads back which syscalls a
// tracked process tree made, per phase. Nothing is recorded until track() names a root; from
// then on every process that root forks is recorded too, in the phase it was forked in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mamori::sandbox::learning {

struct RecorderStats {
    // Calls with a number beyond what the recorder keeps (x32 calls, garbage numbers).
    std::uint64_t outOfRange = 0;
    // Processes forked by the tree that did not fit into the recorder's process map: their
    // calls are missing.
    std::uint64_t untrackedChildren = 0;
    // Processes of the tree alive now.
    std::size_t trackedProcesses = 0;
};

class SyscallRecorder {
public:
    // The first phase plus up to three switches (bpf/syscall_recorder.h).
    static constexpr std::size_t kMaxPhases = 4;
    // Syscall numbers recorded: 0 .. kMaxSyscalls - 1.
    static constexpr int kMaxSyscalls = 512;

    // Loads and attaches; recording starts with the first track(). Throws kernel::BpfError
    // naming the step that failed ("learning needs root (CAP_BPF + CAP_PERFMON): ..." when the
    // kernel refuses the load for lack of privileges). While it lives, every syscall on the
    // machine pays one hash lookup.
    SyscallRecorder();
    ~SyscallRecorder();
    SyscallRecorder(SyscallRecorder&&) noexcept;
    SyscallRecorder& operator=(SyscallRecorder&&) noexcept;
    SyscallRecorder(const SyscallRecorder&) = delete;
    SyscallRecorder& operator=(const SyscallRecorder&) = delete;

    // Native syscall numbers; the k-th one's first call moves a process from phase k to k + 1
    // (that call is recorded in phase k + 1). At most kMaxPhases - 1. Only before track():
    // throws std::logic_error after, std::invalid_argument for a bad list.
    void setPhaseSwitches(const std::vector<int>& syscallNumbers);
    enum class StartAt {
        Now,
        // At the process's next execve/execveat (recorded): for a launcher's child, whose
        // calls between fork and exec are the launcher's, not the program's.
        NextExec,
    };
    // Records process `root` and, from now on, every process it or its descendants fork.
    // Throws kernel::BpfError when the process map is full.
    void track(pid_t root, StartAt start = StartAt::Now);

    std::size_t phaseCount() const;
    // Per phase (phaseCount() entries): syscall number -> calls so far.
    std::vector<std::map<int, std::uint64_t>> counts() const;
    // Per phase: the names (libseccomp, native architecture) of the syscalls made. Numbers
    // libseccomp cannot name are left out: no profile could name them either.
    std::vector<std::set<std::string>> recorded() const;
    RecorderStats stats() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace mamori::sandbox::learning
