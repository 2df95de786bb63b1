/* Shared between bpf/syscall_recorder.bpf.c and service/sandbox/learning/SyscallRecorder.cpp.
 * Plain C, no includes: the BPF side gets __u32/__u64 from vmlinux.h, user space from
 * <linux/types.h> before including this header. The phase decision lives here, as a static
 * inline function, so that user-space tests can run the very code the program runs. */
#ifndef MAMORI_BPF_SYSCALL_RECORDER_H
#define MAMORI_BPF_SYSCALL_RECORDER_H

/* Phases a learned profile can have: the first plus up to three switches. */
#define SYSCALL_RECORDER_MAX_PHASES 4
/* Syscall numbers recorded: x86_64 and arm64 both stay below 512. Larger numbers (x32's
 * 0x40000000 bit, garbage) are counted in `out_of_range` instead. */
#define SYSCALL_RECORDER_MAX_SYSCALLS 512
/* Processes of the tracked tree alive at once (the `tracked` hash map). */
#define SYSCALL_RECORDER_MAX_PROCESSES 16384

/* The `tracked` value of a process whose calls are not recorded until it calls execve or
 * execveat (then it is in phase 0): what a launcher does between fork and exec is not the
 * program's doing. The exec call itself is recorded, even when it fails. */
#define SYSCALL_RECORDER_BEFORE_EXEC 0xffffffffU

/* In .bss, written by user space through the skeleton's mmap before it tracks a process. */
struct syscall_recorder_config {
    /* switch_nr[k] is the syscall whose first call moves a process from phase k to k + 1;
     * only the first switch_count entries count (0: one phase, nothing ever switches). */
    __u32 switch_count;
    __u32 switch_nr[SYSCALL_RECORDER_MAX_PHASES - 1];
    /* This architecture's execve and execveat: what ends SYSCALL_RECORDER_BEFORE_EXEC. */
    __u32 execve_nr;
    __u32 execveat_nr;
};

/* The phase a process in `phase` is in once it calls syscall `nr`: the next one when `nr` is
 * the switch out of `phase`, else the same. A process moves one phase per call at most. */
static inline __u32 syscall_recorder_next_phase(const struct syscall_recorder_config* config,
                                                __u32 phase, __u64 nr) {
    if (phase == SYSCALL_RECORDER_BEFORE_EXEC) {
        return nr == config->execve_nr || nr == config->execveat_nr ? 0 : phase;
    }
    if (phase >= config->switch_count || phase >= SYSCALL_RECORDER_MAX_PHASES - 1) {
        return phase;
    }
    return config->switch_nr[phase] == nr ? phase + 1 : phase;
}

#endif
