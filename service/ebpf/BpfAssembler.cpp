#include "ebpf/BpfAssembler.h"

#include "ebpf/BpfInstruction.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace mamori::ebpf {
namespace {

bool fitsSignExtendedImm32(uint64_t value) {
    const auto asSigned = static_cast<int64_t>(value);
    return asSigned >= std::numeric_limits<int32_t>::min() &&
           asSigned <= std::numeric_limits<int32_t>::max();
}

} // namespace

Label BpfAssembler::newLabel() {
    labelPositions_.push_back(-1);
    labelTargeted_.push_back(false);
    labelBound_.push_back(UINT64_MAX);
    return static_cast<Label>(labelPositions_.size() - 1);
}

void BpfAssembler::bind(Label label) {
    auto& position = labelPositions_.at(static_cast<size_t>(label));
    if (position >= 0) {
        throw std::logic_error("BpfAssembler: label bound twice");
    }
    position = static_cast<int64_t>(code_.size());
    const auto index = static_cast<size_t>(label);
    if (!labelTargeted_[index]) {
        return; // nothing new arrives here
    }
    pathBound_ = reachable_ ? std::min(pathBound_, labelBound_[index]) : labelBound_[index];
    reachable_ = true;
}

void BpfAssembler::emit(const bpf_insn& instruction) {
    if (!reachable_) {
        return;
    }
    code_.push_back(instruction);
    const bool unconditionalJump = instruction.code == (BPF_JMP | BPF_JA);
    const bool exit = instruction.code == (BPF_JMP | BPF_EXIT);
    reachable_ = !unconditionalJump && !exit;
}

void BpfAssembler::loadImm64(uint8_t dst, uint64_t value) {
    if (fitsSignExtendedImm32(value)) {
        emit(insn::mov64Imm(dst, static_cast<int32_t>(value)));
        return;
    }
    if (!reachable_) {
        return;
    }
    const auto slots = insn::ldImm64(dst, value);
    code_.push_back(slots[0]);
    code_.push_back(slots[1]);
}

void BpfAssembler::jumpImm(uint8_t op, uint8_t dst, int32_t imm, Label target) {
    jumpTo(insn::jmpImm(op, dst, imm, 0), target);
}

void BpfAssembler::jump32Imm(uint8_t op, uint8_t dst, int32_t imm, Label target) {
    jumpTo(insn::jmp32Imm(op, dst, imm, 0), target);
}

void BpfAssembler::jumpReg(uint8_t op, uint8_t dst, uint8_t src, Label target) {
    jumpTo(insn::jmpReg(op, dst, src, 0), target);
}

void BpfAssembler::jumpAlways(Label target) {
    jumpTo(insn::ja(0), target);
}

void BpfAssembler::jumpTo(const bpf_insn& instruction, Label target) {
    if (!reachable_) {
        return;
    }
    if (labelPositions_.at(static_cast<size_t>(target)) >= 0) {
        throw std::logic_error("BpfAssembler: backward jumps are not supported");
    }
    labelTargeted_[static_cast<size_t>(target)] = true;
    auto& bound = labelBound_[static_cast<size_t>(target)];
    bound = std::min(bound, pathBound_);
    fixups_.push_back({code_.size(), target});
    emit(instruction);
}

std::vector<bpf_insn> BpfAssembler::finish() const {
    std::vector<bpf_insn> result = code_;
    for (const auto& fixup : fixups_) {
        const int64_t target = labelPositions_.at(static_cast<size_t>(fixup.target));
        if (target < 0) {
            throw std::logic_error("BpfAssembler: jump to a label that was never bound");
        }
        // The offset counts from the instruction after the jump.
        const int64_t offset = target - static_cast<int64_t>(fixup.at) - 1;
        if (offset < std::numeric_limits<int16_t>::min() ||
            offset > std::numeric_limits<int16_t>::max()) {
            throw std::length_error("a jump spans " + std::to_string(offset) +
                                    " instructions; eBPF jumps reach at most 32767 (one rule "
                                    "is too large)");
        }
        result[fixup.at].off = static_cast<int16_t>(offset);
    }
    return result;
}

} // namespace mamori::ebpf
