// Collects eBPF instructions with symbolic jump targets. Code generators emit conditional jumps
// to labels that are bound later (forward jumps are the norm when compiling && and ||), and
// finish() resolves every jump to the 16-bit relative offset the instruction set wants.
//
// The verifier rejects unreachable instructions, and constant conditions (`true || x`, a rule
// after one that always matches) make some; so after an unconditional jump or exit, everything
// up to the next label that some emitted jump targets is dropped instead of emitted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <linux/bpf.h>
#include <vector>

namespace mamori::ebpf {

// A position in the instruction stream, bound once with BpfAssembler::bind().
enum class Label : uint32_t {};

class BpfAssembler {
public:
    Label newLabel();
    // Binds `label` to the next instruction emitted.
    void bind(Label label);

    void emit(const bpf_insn& instruction);
    // dst = value, as one mov when the value survives sign extension from 32 bits, else as the
    // two-slot ld_imm64.
    void loadImm64(uint8_t dst, uint64_t value);

    // Conditional jumps (op = BPF_JEQ, BPF_JGT, ...) and the unconditional one, to a label.
    void jumpImm(uint8_t op, uint8_t dst, int32_t imm, Label target);
    void jump32Imm(uint8_t op, uint8_t dst, int32_t imm, Label target);
    void jumpReg(uint8_t op, uint8_t dst, uint8_t src, Label target);
    void jumpAlways(Label target);

    // False after an unconditional jump or exit until a label some jump targets is bound.
    bool reachable() const { return reachable_; }

    // A lower bound the generator proved about the current path (the code generator: how many
    // payload bytes are known to be there). Every jump carries it to its label; where paths
    // join, the smaller bound holds.
    uint64_t pathBound() const { return pathBound_; }
    void setPathBound(uint64_t bound) { pathBound_ = bound; }

    // Instructions emitted so far (ld_imm64 counts two).
    size_t size() const { return code_.size(); }

    // The finished program. Throws std::logic_error for a jump to a label never bound and
    // std::length_error when a jump is farther than the 16-bit offset reaches.
    std::vector<bpf_insn> finish() const;

private:
    struct Fixup {
        size_t at;
        Label target;
    };
    void jumpTo(const bpf_insn& instruction, Label target);

    std::vector<bpf_insn> code_;
    std::vector<int64_t> labelPositions_; // -1 while unbound
    std::vector<bool> labelTargeted_;     // some emitted jump goes there
    std::vector<uint64_t> labelBound_;    // smallest pathBound of the jumps going there
    std::vector<Fixup> fixups_;
    bool reachable_ = true;
    uint64_t pathBound_ = 0;
};

} // namespace mamori::ebpf
