// Readable eBPF assembly for `mamorictl lbm dump`, in the C-like syntax of the kernel verifier
// log and llvm-objdump ("r0 = *(u16 *)(r7 + 2)", "if r0 != 0x5 goto +3 <12>"), so what the
// dump shows can be matched line by line against a verifier complaint.
#pragma once

#include "lbm/CodeGenerator.h"

#include <linux/bpf.h>
#include <span>
#include <string>

namespace mamori::lbm {

class Disassembler {
public:
    // One line per instruction: index, then the instruction.
    static std::string disassemble(std::span<const bpf_insn> code);
    // The same, with a comment line where each rule's code starts.
    static std::string disassemble(const Program& program);
    // One instruction (the second slot of ld_imm64 is `next`, may be nullptr).
    static std::string format(const bpf_insn& instruction, size_t index,
                              const bpf_insn* next = nullptr);
};

} // namespace mamori::lbm
