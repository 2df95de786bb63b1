// SPDX-License-Identifier: GPL-2.0
/* Learning mode: records which syscalls a process tree makes, per phase, so that
 * service/sandbox/learning can write a profile for it. User space puts the tree's root into
 * `tracked`; forks of tracked processes are added with their parent's current phase (the way a
 * seccomp filter is inherited), and a process leaves the map when its last thread exits.
 * A tracked process calling the switch out of its phase moves to the next phase before the call
 * is counted, so a switch syscall is recorded in the phase it opens. */
/* vmlinux.h must come first: it defines the types all the others use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "syscall_recorder.h"
/* clang-format on */

/* tgid -> phase index, or SYSCALL_RECORDER_BEFORE_EXEC. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SYSCALL_RECORDER_MAX_PROCESSES);
    __type(key, __u32);
    __type(value, __u32);
} tracked SEC(".maps");

/* All of these live in .bss, which user space reads and writes through the skeleton's mmap
 * without a syscall per entry. */
struct syscall_recorder_config phase_config = {};
/* Calls per [phase][syscall number], added atomically: threads of one process run at once. */
__u64 syscall_counts[SYSCALL_RECORDER_MAX_PHASES][SYSCALL_RECORDER_MAX_SYSCALLS] = {};
/* Calls of tracked processes with a number outside `syscall_counts`. */
__u64 out_of_range = 0;
/* Children of tracked processes that did not fit into `tracked`: their calls are missing. */
__u64 untracked_children = 0;

/* Every syscall of every process on the machine passes here while learning: the lookup of the
 * caller is the only work untracked processes pay. */
SEC("tp_btf/sys_enter")
int BPF_PROG(record_sys_enter, struct pt_regs* regs, long id) {
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    __u32* phase = bpf_map_lookup_elem(&tracked, &tgid);
    if (!phase)
        return 0;
    __u32 current = *phase;
    __u32 next = syscall_recorder_next_phase(&phase_config, current, (__u64)id);
    if (next != current) {
        /* Threads racing through the same switch store the same phase. A thread preempted
         * between its load and this store while another one passes the next switch too would
         * store the older phase: a window of a few instructions, accepted, since an atomic
         * compare-and-exchange needs clang's -mcpu=v3. */
        *phase = next;
    }
    if (next == SYSCALL_RECORDER_BEFORE_EXEC)
        return 0;
    if (next >= SYSCALL_RECORDER_MAX_PHASES || id < 0 || id >= SYSCALL_RECORDER_MAX_SYSCALLS) {
        __sync_fetch_and_add(&out_of_range, 1);
        return 0;
    }
    /* One index checked right before the access: left to itself, clang computes the address
     * from the unchecked values before the checks above, which the verifier refuses. */
    __u64 slot = (__u64)next * SYSCALL_RECORDER_MAX_SYSCALLS + (__u64)id;
    barrier_var(slot);
    if (slot >= SYSCALL_RECORDER_MAX_PHASES * SYSCALL_RECORDER_MAX_SYSCALLS)
        return 0;
    barrier_var(slot);
    __sync_fetch_and_add(&syscall_counts[0][0] + slot, 1);
    return 0;
}

/* Fires for threads too (clone with CLONE_THREAD): those share the parent's tgid, and with it
 * its entry, so only new processes are added. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(record_fork, struct task_struct* parent, struct task_struct* child) {
    __u32 parent_tgid = BPF_CORE_READ(parent, tgid);
    __u32 child_tgid = BPF_CORE_READ(child, tgid);
    if (child_tgid == parent_tgid)
        return 0;
    __u32* phase = bpf_map_lookup_elem(&tracked, &parent_tgid);
    if (!phase)
        return 0;
    __u32 inherited = *phase;
    if (bpf_map_update_elem(&tracked, &child_tgid, &inherited, BPF_ANY) != 0)
        __sync_fetch_and_add(&untracked_children, 1);
    return 0;
}

/* A process ends when its last thread does: do_exit() decrements signal->live before this
 * tracepoint, so once a thread sees 0 here every thread of the process is exiting. Testing "the
 * leader exits" (pid == tgid) instead would be wrong twice: the leader may exit before its other
 * threads, and a non-leader thread's execve() kills the old leader while the process lives on. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(record_exit, struct task_struct* task) {
    if (BPF_CORE_READ(task, signal, live.counter) != 0)
        return 0;
    __u32 tgid = BPF_CORE_READ(task, tgid);
    bpf_map_delete_elem(&tracked, &tgid);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
