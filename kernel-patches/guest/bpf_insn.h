// eBPF instructions written by hand for the guest's test filters (the guest has no compiler
// and no libbpf; the kernel's verifier checks what these build). Named after the instruction
// classes of linux/bpf.h.
#pragma once

#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
    ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV32_IMM(d, i) INSN(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define LDX_DW(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST_W(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define ST_DW(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define ATOMIC_ADD_DW(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JGT_IMM(d, i, o) INSN(BPF_JMP | BPF_JGT | BPF_K, d, 0, o, i)
#define JNE_REG(d, s, o) INSN(BPF_JMP | BPF_JNE | BPF_X, d, s, o, 0)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
// Two instructions: a 64-bit immediate, or (src BPF_PSEUDO_MAP_FD) a map's fd.
#define LD_IMM64_RAW(d, s, v)                                                                      \
    INSN(BPF_LD | BPF_DW | BPF_IMM, d, s, 0, (int32_t)(uint32_t)(uint64_t)(v)),                    \
        INSN(0, 0, 0, 0, (int32_t)(uint32_t)(((uint64_t)(v)) >> 32))
#define LD_MAP_FD(d, fd) LD_IMM64_RAW(d, BPF_PSEUDO_MAP_FD, fd)
#define LD_IMM64(d, v) LD_IMM64_RAW(d, 0, v)

static inline long bpf_call(int cmd, union bpf_attr* attr) {
    return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

static inline int map_create(enum bpf_map_type type, uint32_t key, uint32_t value, uint32_t n) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = type;
    attr.key_size = key;
    attr.value_size = value;
    attr.max_entries = n;
    return (int)bpf_call(BPF_MAP_CREATE, &attr);
}

static inline int map_lookup(int fd, const void* key, void* value) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_fd = (uint32_t)fd;
    attr.key = (uint64_t)(uintptr_t)key;
    attr.value = (uint64_t)(uintptr_t)value;
    return (int)bpf_call(BPF_MAP_LOOKUP_ELEM, &attr);
}

// Loads `count` instructions as `type`; the verifier's log goes to `log` on failure.
static inline int prog_load(enum bpf_prog_type type, const struct bpf_insn* insns, size_t count,
                            char* log, size_t logSize) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = type;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = (uint32_t)count;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = (uint32_t)logSize;
    attr.log_level = log != NULL ? 1 : 0;
    return (int)bpf_call(BPF_PROG_LOAD, &attr);
}
