// getppid under seccomp filters for one policy — 245 system calls refused, everything else
// allowed, as in the seccomp-eBPF paper's microbenchmark — in the qemu guest: no filter, the
// classic filter libseccomp builds (default order and binary tree), and the same policy as an
// eBPF filter (a map of refused numbers). Classic filters are measured twice: as the kernel
// runs them (getppid is a constant allow, so the action cache skips the filter) and with the
// cache defeated (a rule on getppid's argument makes the filter run on every call), which is
// what the eBPF filter always pays. Prints "BENCH getppid <filter> <cycles per call>".
#include "bpf_insn.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <x86intrin.h>

#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 5
#endif

enum { kRefused = 245, kCalls = 300000, kMaxNr = 512 };

// The refused set: the first 245 numbers the measuring loop does not need.
static int refusedNr(int i) {
    int nr = -1;
    for (int n = 0; i >= 0; ++n) {
        if (n != __NR_getppid && n != __NR_exit_group && n != __NR_exit && n != __NR_rt_sigreturn) {
            nr = n;
            --i;
        }
    }
    return nr;
}

static double measure(void) {
    for (int i = 0; i < 1000; ++i) {
        syscall(__NR_getppid, 0);
    }
    const unsigned long long start = __rdtsc();
    for (int i = 0; i < kCalls; ++i) {
        syscall(__NR_getppid, 0);
    }
    return (double)(__rdtsc() - start) / kCalls;
}

static int classic(uint32_t optimize, int defeatCache) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, optimize) != 0) {
        return -1;
    }
    for (int i = 0; i < kRefused; ++i) {
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), refusedNr(i), 0) != 0) {
            return -1;
        }
    }
    if (defeatCache && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), __NR_getppid, 1,
                                        SCMP_A0(SCMP_CMP_EQ, 0xdeadbeef)) != 0) {
        return -1;
    }
    const int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

static int extended(void) {
    const int map = map_create(BPF_MAP_TYPE_ARRAY, 4, 4, kMaxNr);
    for (int i = 0; i < kRefused; ++i) {
        const uint32_t key = (uint32_t)refusedNr(i);
        const uint32_t refused = 1;
        union bpf_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.map_fd = (uint32_t)map;
        attr.key = (uint64_t)(uintptr_t)&key;
        attr.value = (uint64_t)(uintptr_t)&refused;
        if (bpf_call(BPF_MAP_UPDATE_ELEM, &attr) != 0) {
            return -1;
        }
    }
    const struct bpf_insn insns[] = {
        LDX_W(BPF_REG_0, BPF_REG_1, 0),
        JGT_IMM(BPF_REG_0, kMaxNr - 1, 8),
        STX_DW(BPF_REG_10, BPF_REG_0, -8),
        LD_MAP_FD(BPF_REG_1, map),
        MOV64_REG(BPF_REG_2, BPF_REG_10),
        ADD64_IMM(BPF_REG_2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        JEQ_IMM(BPF_REG_0, 0, 2),
        LDX_W(BPF_REG_0, BPF_REG_0, 0),
        JNE_IMM(BPF_REG_0, 0, 2),
        MOV32_IMM(BPF_REG_0, SECCOMP_RET_ALLOW),
        EXIT(),
        MOV32_IMM(BPF_REG_0, SECCOMP_RET_ERRNO | EPERM),
        EXIT(),
    };
    const int prog =
        prog_load(BPF_PROG_TYPE_SECCOMP, insns, sizeof insns / sizeof insns[0], NULL, 0);
    if (prog < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        return -1;
    }
    return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_EXTENDED, &prog);
}

// Installs filter `kind` in a child and measures there; the result comes back in `shared`.
static void run(const char* name, int kind, double* shared) {
    *shared = -1;
    const pid_t pid = fork();
    if (pid == 0) {
        int rc = 0;
        switch (kind) {
        case 1:
            rc = classic(1, 0);
            break;
        case 2:
            rc = classic(2, 0);
            break;
        case 3:
            rc = classic(1, 1);
            break;
        case 4:
            rc = classic(2, 1);
            break;
        case 5:
            rc = extended();
            break;
        default:
            break;
        }
        // The refused set must hold (setuid, number 105, is in it).
        if (rc != 0 || (kind != 0 && (syscall(__NR_setuid, 0) != -1 || errno != EPERM))) {
            _exit(1);
        }
        *shared = measure();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (status != 0 || *shared < 0) {
        printf("FAIL getppid-bench %s: filter did not install or hold (status 0x%x)\n", name,
               status);
        return;
    }
    printf("BENCH getppid %s %.1f\n", name, *shared);
}

int main(void) {
    double* shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        return 1;
    }
    for (int round = 0; round < BENCH_ROUNDS; ++round) {
        run("none", 0, shared);
        run("cbpf-default-cached", 1, shared);
        run("cbpf-tree-cached", 2, shared);
        run("cbpf-default", 3, shared);
        run("cbpf-tree", 4, shared);
        run("ebpf", 5, shared);
    }
    printf("PASS getppid-bench\n");
    return 0;
}
