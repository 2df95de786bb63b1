// Builders for single eBPF instructions (struct bpf_insn from the kernel UAPI). Mamori's code
// generators emit bytecode directly instead of going through clang, so the encoding lives here,
// in one place, with the opcode values taken from <linux/bpf.h>.
#pragma once

#include <array>
#include <cstdint>
#include <linux/bpf.h>

namespace mamori::ebpf::insn {

// eBPF registers. r0 is the return value, r1 the context on entry, r1-r5 are clobbered by
// helper calls, r6-r9 are callee-saved, r10 is the read-only frame pointer.
enum Reg : uint8_t { R0 = 0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

constexpr bpf_insn make(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn result{};
    result.code = code;
    result.dst_reg = dst & 0xf;
    result.src_reg = src & 0xf;
    result.off = off;
    result.imm = imm;
    return result;
}

// BPF_B/H/W/DW for a load or store of `bytes` (1, 2, 4 or 8) bytes; 0xff for anything else.
constexpr uint8_t sizeCode(uint32_t bytes) {
    switch (bytes) {
    case 1:
        return BPF_B;
    case 2:
        return BPF_H;
    case 4:
        return BPF_W;
    case 8:
        return BPF_DW;
    default:
        return 0xff;
    }
}

// Number of bytes a BPF_B/H/W/DW size code moves.
constexpr uint32_t sizeBytes(uint8_t code) {
    switch (BPF_SIZE(code)) {
    case BPF_B:
        return 1;
    case BPF_H:
        return 2;
    case BPF_W:
        return 4;
    default:
        return 8;
    }
}

constexpr bpf_insn mov64Imm(uint8_t dst, int32_t imm) {
    return make(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

constexpr bpf_insn mov64Reg(uint8_t dst, uint8_t src) {
    return make(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

// `op` is one of BPF_ADD, BPF_SUB, BPF_AND, BPF_OR, BPF_LSH, BPF_RSH, ...
constexpr bpf_insn alu64Imm(uint8_t op, uint8_t dst, int32_t imm) {
    return make(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}

constexpr bpf_insn alu64Reg(uint8_t op, uint8_t dst, uint8_t src) {
    return make(BPF_ALU64 | op | BPF_X, dst, src, 0, 0);
}

// Byte swap to big-endian (BPF_TO_BE) or little-endian (BPF_TO_LE) of the low `bits` (16, 32,
// 64) of dst; the upper bits are cleared.
constexpr bpf_insn endian(uint8_t direction, uint8_t dst, int32_t bits) {
    return make(BPF_ALU | BPF_END | direction, dst, 0, 0, bits);
}

// dst = *(size *)(src + off)
constexpr bpf_insn ldx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return make(BPF_LDX | size | BPF_MEM, dst, src, off, 0);
}

// *(size *)(dst + off) = imm
constexpr bpf_insn stImm(uint8_t size, uint8_t dst, int16_t off, int32_t imm) {
    return make(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
}

// if dst <op> imm goto pc + 1 + off; `op` is BPF_JEQ, BPF_JGT, ... (imm sign-extended to 64)
constexpr bpf_insn jmpImm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) {
    return make(BPF_JMP | op | BPF_K, dst, 0, off, imm);
}

constexpr bpf_insn jmpReg(uint8_t op, uint8_t dst, uint8_t src, int16_t off) {
    return make(BPF_JMP | op | BPF_X, dst, src, off, 0);
}

// Like jmpImm on the low 32 bits of dst only.
constexpr bpf_insn jmp32Imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) {
    return make(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
}

constexpr bpf_insn ja(int16_t off) {
    return make(BPF_JMP | BPF_JA, 0, 0, off, 0);
}

constexpr bpf_insn exit() {
    return make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// dst = imm64: the one instruction that takes two slots.
constexpr std::array<bpf_insn, 2> ldImm64(uint8_t dst, uint64_t value) {
    return {make(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, static_cast<int32_t>(value & 0xffffffffu)),
            make(0, 0, 0, 0, static_cast<int32_t>(value >> 32))};
}

// dst = the map behind file descriptor `fd` (the loader's fd; the kernel swaps in the map).
constexpr std::array<bpf_insn, 2> ldMapFd(uint8_t dst, int32_t fd) {
    return {make(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd), make(0, 0, 0, 0, 0)};
}

// *(size *)(dst + off) = src
constexpr bpf_insn stx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return make(BPF_STX | size | BPF_MEM, dst, src, off, 0);
}

// *(u64 *)(dst + off) += src, atomically
constexpr bpf_insn atomicAdd64(uint8_t dst, uint8_t src, int16_t off) {
    return make(BPF_STX | BPF_DW | BPF_ATOMIC, dst, src, off, BPF_ADD);
}

// r0 = helper(r1, ..., r5); clobbers r1-r5
constexpr bpf_insn call(int32_t helper) {
    return make(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

} // namespace mamori::ebpf::insn
