#include "sandbox/learning/SyscallRecorder.h"

#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"
#include "kernel/BpfSkeleton.h"
#include "sandbox/SyscallGroups.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdlib>
#include <seccomp.h>
#include <stdexcept>
#include <sys/syscall.h>

// The shared header needs __u32/__u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "syscall_recorder.h"
#include "syscall_recorder.skel.h"
// clang-format on

template <> struct mamori::kernel::SkeletonTraits<syscall_recorder> {
    static constexpr std::string_view name = "syscall_recorder";
    static syscall_recorder* open() { return syscall_recorder__open(); }
    static int load(syscall_recorder* skel) { return syscall_recorder__load(skel); }
    static void destroy(syscall_recorder* skel) { syscall_recorder__destroy(skel); }
};

namespace mamori::sandbox::learning {

static_assert(SyscallRecorder::kMaxPhases == SYSCALL_RECORDER_MAX_PHASES);
static_assert(SyscallRecorder::kMaxSyscalls == SYSCALL_RECORDER_MAX_SYSCALLS);

namespace {

using Skeleton = kernel::BpfSkeleton<syscall_recorder>;

Skeleton loadSkeleton() {
    Skeleton skel = Skeleton::open();
    try {
        skel.load();
    } catch (const kernel::BpfError& e) {
        // EPERM is the kernel refusing the caller (no CAP_BPF/CAP_PERFMON, or BPF locked
        // down); a verifier refusal is EACCES and libbpf has printed the verifier's log.
        if (e.error() == EPERM) {
            throw kernel::BpfError("learning needs root (CAP_BPF + CAP_PERFMON): load BPF "
                                   "skeleton syscall_recorder",
                                   e.error());
        }
        throw;
    }
    return skel;
}

kernel::BpfLink attach(bpf_program* program, std::string_view tracepoint) {
    return kernel::BpfLink::adopt(bpf_program__attach(program), "attach tp_btf/" +
                                                                    std::string(tracepoint) +
                                                                    " (syscall_recorder)");
}

} // namespace

struct SyscallRecorder::State {
    // Declared before the links so that they detach before the programs go away.
    Skeleton skel;
    std::vector<kernel::BpfLink> links;
    bool tracking = false;
};

SyscallRecorder::SyscallRecorder()
    : state_(std::make_unique<State>()) {
    state_->skel = loadSkeleton();
    // The program knows no syscall numbers of its own: what ends StartAt::NextExec comes from
    // here, where <sys/syscall.h> is this architecture's.
    state_->skel->bss->phase_config.execve_nr = SYS_execve;
    state_->skel->bss->phase_config.execveat_nr = SYS_execveat;
    const auto& progs = state_->skel->progs;
    state_->links.push_back(attach(progs.record_sys_enter, "sys_enter"));
    state_->links.push_back(attach(progs.record_fork, "sched_process_fork"));
    state_->links.push_back(attach(progs.record_exit, "sched_process_exit"));
}

SyscallRecorder::~SyscallRecorder() = default;
SyscallRecorder::SyscallRecorder(SyscallRecorder&&) noexcept = default;
SyscallRecorder& SyscallRecorder::operator=(SyscallRecorder&&) noexcept = default;

void SyscallRecorder::setPhaseSwitches(const std::vector<int>& syscallNumbers) {
    if (state_->tracking) {
        throw std::logic_error("phase switches must be set before a process is tracked");
    }
    if (syscallNumbers.size() > kMaxPhases - 1) {
        throw std::invalid_argument("at most " + std::to_string(kMaxPhases - 1) +
                                    " phase switches (" + std::to_string(kMaxPhases) +
                                    " phases) can be learned");
    }
    for (const int number : syscallNumbers) {
        if (number < 0 || number >= kMaxSyscalls) {
            throw std::invalid_argument("phase switch: syscall number " + std::to_string(number) +
                                        " is outside 0.." + std::to_string(kMaxSyscalls - 1));
        }
    }
    // .bss is mapped into this process: plain stores reach the program, which reads the
    // config only for tracked processes, and there are none yet.
    syscall_recorder_config& config = state_->skel->bss->phase_config;
    for (std::size_t k = 0; k < syscallNumbers.size(); ++k) {
        config.switch_nr[k] = static_cast<__u32>(syscallNumbers[k]);
    }
    config.switch_count = static_cast<__u32>(syscallNumbers.size());
}

void SyscallRecorder::track(pid_t root, StartAt start) {
    if (root <= 0) {
        throw std::invalid_argument("track: " + std::to_string(root) + " is not a process id");
    }
    const auto tgid = static_cast<__u32>(root);
    const __u32 phase = start == StartAt::NextExec ? SYSCALL_RECORDER_BEFORE_EXEC : 0U;
    kernel::throwIfNegative(bpf_map__update_elem(state_->skel->maps.tracked, &tgid, sizeof tgid,
                                                 &phase, sizeof phase, BPF_ANY),
                            "track process " + std::to_string(root) + " (BPF map tracked)");
    state_->tracking = true;
}

std::size_t SyscallRecorder::phaseCount() const {
    return state_->skel->bss->phase_config.switch_count + 1U;
}

std::vector<std::map<int, std::uint64_t>> SyscallRecorder::counts() const {
    const auto& counters = state_->skel->bss->syscall_counts;
    std::vector<std::map<int, std::uint64_t>> result(phaseCount());
    for (std::size_t phase = 0; phase < result.size(); ++phase) {
        for (int number = 0; number < kMaxSyscalls; ++number) {
            // The program adds to these while we read: one relaxed atomic load per counter.
            const std::uint64_t calls = __atomic_load_n(&counters[phase][number], __ATOMIC_RELAXED);
            if (calls != 0) {
                result[phase].emplace(number, calls);
            }
        }
    }
    return result;
}

std::vector<std::set<std::string>> SyscallRecorder::recorded() const {
    std::vector<std::set<std::string>> result;
    for (const auto& phase : counts()) {
        std::set<std::string> names;
        for (const auto& entry : phase) {
            if (std::string name = SyscallGroups::nameOf(entry.first); !name.empty()) {
                names.insert(std::move(name));
            }
        }
        result.push_back(std::move(names));
    }
    return result;
}

RecorderStats SyscallRecorder::stats() const {
    const auto* bss = state_->skel->bss;
    RecorderStats stats;
    stats.outOfRange = __atomic_load_n(&bss->out_of_range, __ATOMIC_RELAXED);
    stats.untrackedChildren = __atomic_load_n(&bss->untracked_children, __ATOMIC_RELAXED);
    const bpf_map* tracked = state_->skel->maps.tracked;
    __u32 key = 0;
    const __u32* previous = nullptr; // nullptr asks for the first key
    while (bpf_map__get_next_key(tracked, previous, &key, sizeof key) == 0) {
        ++stats.trackedProcesses;
        previous = &key;
    }
    return stats;
}

} // namespace mamori::sandbox::learning
