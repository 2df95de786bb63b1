#include "lbm/Disassembler.h"

#include "ebpf/BpfInstruction.h"

#include <array>
#include <cstdio>
#include <string_view>

namespace mamori::lbm {
namespace {

std::string_view aluSymbol(uint8_t op) {
    switch (op) {
    case BPF_ADD:
        return "+=";
    case BPF_SUB:
        return "-=";
    case BPF_MUL:
        return "*=";
    case BPF_DIV:
        return "/=";
    case BPF_OR:
        return "|=";
    case BPF_AND:
        return "&=";
    case BPF_LSH:
        return "<<=";
    case BPF_RSH:
        return ">>=";
    case BPF_MOD:
        return "%=";
    case BPF_XOR:
        return "^=";
    case BPF_MOV:
        return "=";
    case BPF_ARSH:
        return "s>>=";
    default:
        return "?=";
    }
}

std::string_view jumpSymbol(uint8_t op) {
    switch (op) {
    case BPF_JEQ:
        return "==";
    case BPF_JGT:
        return ">";
    case BPF_JGE:
        return ">=";
    case BPF_JSET:
        return "&";
    case BPF_JNE:
        return "!=";
    case BPF_JSGT:
        return "s>";
    case BPF_JSGE:
        return "s>=";
    case BPF_JLT:
        return "<";
    case BPF_JLE:
        return "<=";
    case BPF_JSLT:
        return "s<";
    case BPF_JSLE:
        return "s<=";
    default:
        return "?";
    }
}

std::string reg(uint8_t number, bool wide) {
    return (wide ? "r" : "w") + std::to_string(number);
}

std::string hex(uint64_t value) {
    std::array<char, 24> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%#llx", static_cast<unsigned long long>(value));
    return buffer.data();
}

std::string immediate(int32_t imm) {
    return imm < 0 ? std::to_string(imm) : hex(static_cast<uint32_t>(imm));
}

std::string memory(const bpf_insn& in, uint8_t base) {
    static constexpr std::array<std::string_view, 4> kSizes = {"u32", "u16", "u8", "u64"};
    const std::string_view size = kSizes[BPF_SIZE(in.code) >> 3];
    const std::string sign = in.off < 0 ? " - " : " + ";
    const int magnitude = in.off < 0 ? -in.off : in.off;
    return "*(" + std::string(size) + " *)(r" + std::to_string(base) + sign +
           std::to_string(magnitude) + ")";
}

std::string formatAlu(const bpf_insn& in) {
    const bool wide = BPF_CLASS(in.code) == BPF_ALU64;
    const uint8_t op = BPF_OP(in.code);
    if (op == BPF_END) {
        const bool toBig = BPF_SRC(in.code) == BPF_TO_BE;
        return reg(in.dst_reg, true) + " = " + (toBig ? "be" : "le") + std::to_string(in.imm) +
               " " + reg(in.dst_reg, true);
    }
    if (op == BPF_NEG) {
        return reg(in.dst_reg, wide) + " = -" + reg(in.dst_reg, wide);
    }
    const std::string source =
        BPF_SRC(in.code) == BPF_X ? reg(in.src_reg, wide) : immediate(in.imm);
    return reg(in.dst_reg, wide) + " " + std::string(aluSymbol(op)) + " " + source;
}

std::string formatJump(const bpf_insn& in, size_t index) {
    const uint8_t op = BPF_OP(in.code);
    if (op == BPF_EXIT) {
        return "exit";
    }
    if (op == BPF_CALL) {
        return "call " + std::to_string(in.imm);
    }
    const std::string target = (in.off < 0 ? "" : "+") + std::to_string(in.off) + " <" +
                               std::to_string(static_cast<int64_t>(index) + 1 + in.off) + ">";
    if (op == BPF_JA) {
        return "goto " + target;
    }
    const bool wide = BPF_CLASS(in.code) == BPF_JMP;
    const std::string source =
        BPF_SRC(in.code) == BPF_X ? reg(in.src_reg, wide) : immediate(in.imm);
    return "if " + reg(in.dst_reg, wide) + " " + std::string(jumpSymbol(op)) + " " + source +
           " goto " + target;
}

std::string formatLoadImm64(const bpf_insn& in, const bpf_insn* next) {
    const uint64_t low = static_cast<uint32_t>(in.imm);
    const uint64_t high = next != nullptr ? static_cast<uint32_t>(next->imm) : 0;
    return reg(in.dst_reg, true) + " = " + hex(high << 32 | low) + " ll";
}

} // namespace

std::string Disassembler::format(const bpf_insn& in, size_t index, const bpf_insn* next) {
    switch (BPF_CLASS(in.code)) {
    case BPF_ALU:
    case BPF_ALU64:
        return formatAlu(in);
    case BPF_JMP:
    case BPF_JMP32:
        return formatJump(in, index);
    case BPF_LDX:
        return reg(in.dst_reg, true) + " = " + memory(in, in.src_reg);
    case BPF_ST:
        return memory(in, in.dst_reg) + " = " + immediate(in.imm);
    case BPF_STX:
        return memory(in, in.dst_reg) + " = " + reg(in.src_reg, true);
    case BPF_LD:
        if (in.code == (BPF_LD | BPF_DW | BPF_IMM)) {
            return formatLoadImm64(in, next);
        }
        break;
    default:
        break;
    }
    return "<unknown opcode " + hex(in.code) + ">";
}

std::string Disassembler::disassemble(std::span<const bpf_insn> code) {
    Program program;
    program.instructions.assign(code.begin(), code.end());
    return disassemble(program);
}

std::string Disassembler::disassemble(const Program& program) {
    const auto& code = program.instructions;
    std::string out;
    size_t nextRule = 0;
    for (size_t i = 0; i < code.size(); ++i) {
        while (nextRule < program.rules.size() && program.rules[nextRule].firstInstruction <= i) {
            out += "; rule '" + program.rules[nextRule].name + "'\n";
            ++nextRule;
        }
        const bool wideLoad = code[i].code == (BPF_LD | BPF_DW | BPF_IMM);
        const bpf_insn* next = wideLoad && i + 1 < code.size() ? &code[i + 1] : nullptr;
        std::array<char, 32> prefix{};
        std::snprintf(prefix.data(), prefix.size(), "%5zu: ", i);
        out += prefix.data() + format(code[i], i, next) + "\n";
        if (wideLoad) {
            ++i; // the second slot is part of this instruction
        }
    }
    return out;
}

} // namespace mamori::lbm
