// The instruction encoder, the assembler's jump fixups and the disassembler, checked against
// encodings written out by hand from the kernel's instruction-set documentation.
#include "ebpf/BpfAssembler.h"
#include "ebpf/BpfInstruction.h"
#include "lbm/Disassembler.h"

#include <gtest/gtest.h>
#include <stdexcept>

namespace mamori::lbm {
namespace {

using namespace ebpf::insn;

TEST(EncoderTest, KnownEncodings) {
    const bpf_insn mov = mov64Imm(R0, 2);
    EXPECT_EQ(mov.code, 0xb7);
    EXPECT_EQ(mov.dst_reg, 0);
    EXPECT_EQ(mov.imm, 2);

    EXPECT_EQ(exit().code, 0x95);

    const bpf_insn load = ldx(BPF_H, R0, R7, 2);
    EXPECT_EQ(load.code, 0x69);
    EXPECT_EQ(load.dst_reg, 0);
    EXPECT_EQ(load.src_reg, 7);
    EXPECT_EQ(load.off, 2);

    const bpf_insn jeq = jmpImm(BPF_JEQ, R0, 5, 3);
    EXPECT_EQ(jeq.code, 0x15);
    EXPECT_EQ(jeq.off, 3);
    EXPECT_EQ(jmpReg(BPF_JGT, R2, R8, -1).code, 0x2d);
    EXPECT_EQ(jmp32Imm(BPF_JNE, R0, 1, 0).code, 0x56);
    EXPECT_EQ(ja(4).code, 0x05);
    EXPECT_EQ(alu64Imm(BPF_ADD, R2, 68).code, 0x07);
    EXPECT_EQ(alu64Reg(BPF_OR, R0, R3).code, 0x4f);
    EXPECT_EQ(mov64Reg(R6, R1).code, 0xbf);
    EXPECT_EQ(stImm(BPF_W, R6, 60, 3).code, 0x62);

    const bpf_insn swap = endian(BPF_TO_BE, R0, 16);
    EXPECT_EQ(swap.code, 0xdc);
    EXPECT_EQ(swap.imm, 16);

    const auto wide = ldImm64(R3, 0x1122334455667788ULL);
    EXPECT_EQ(wide[0].code, 0x18);
    EXPECT_EQ(wide[0].dst_reg, 3);
    EXPECT_EQ(static_cast<uint32_t>(wide[0].imm), 0x55667788u);
    EXPECT_EQ(wide[1].code, 0);
    EXPECT_EQ(static_cast<uint32_t>(wide[1].imm), 0x11223344u);
}

TEST(EncoderTest, ForwardJumpsAreFixedUpRelativeToTheNextInstruction) {
    BpfAssembler assembler;
    const Label done = assembler.newLabel();
    assembler.jumpImm(BPF_JEQ, R0, 1, done); // 0
    assembler.emit(mov64Imm(R0, 7));         // 1
    assembler.loadImm64(R3, 0x100000000ULL); // 2, 3
    assembler.bind(done);
    assembler.emit(exit()); // 4
    const auto code = assembler.finish();
    ASSERT_EQ(code.size(), 5u);
    EXPECT_EQ(code[0].off, 3);
}

TEST(EncoderTest, SmallConstantsUseOneSlot) {
    BpfAssembler assembler;
    assembler.loadImm64(R3, 0xffffffffffffffffULL); // -1 sign-extends
    assembler.loadImm64(R3, 0x80000000ULL);         // does not
    EXPECT_EQ(assembler.size(), 3u);
}

TEST(EncoderTest, UnreachableCodeIsDropped) {
    BpfAssembler assembler;
    const Label unused = assembler.newLabel();
    const Label target = assembler.newLabel();
    assembler.jumpAlways(target);
    assembler.emit(mov64Imm(R0, 1)); // dead: nothing jumps here
    assembler.bind(unused);
    assembler.emit(exit()); // still dead: `unused` is no jump's target
    assembler.bind(target);
    assembler.emit(exit());
    const auto code = assembler.finish();
    ASSERT_EQ(code.size(), 2u);
    EXPECT_EQ(code[0].off, 0);
}

TEST(EncoderTest, UnboundLabelIsALogicError) {
    BpfAssembler assembler;
    assembler.jumpAlways(assembler.newLabel());
    EXPECT_THROW(assembler.finish(), std::logic_error);
}

TEST(EncoderTest, JumpBeyondSixteenBitsIsReported) {
    BpfAssembler assembler;
    const Label far = assembler.newLabel();
    assembler.jumpImm(BPF_JEQ, R0, 0, far);
    for (int i = 0; i < 40000; ++i) {
        assembler.emit(mov64Imm(R0, i));
    }
    assembler.bind(far);
    assembler.emit(exit());
    EXPECT_THROW(assembler.finish(), std::length_error);
}

TEST(EncoderTest, DisassemblerSpeaksTheVerifierSyntax) {
    EXPECT_EQ(Disassembler::format(ldx(BPF_H, R0, R7, 2), 0), "r0 = *(u16 *)(r7 + 2)");
    EXPECT_EQ(Disassembler::format(jmpImm(BPF_JNE, R0, 5, 3), 10), "if r0 != 0x5 goto +3 <14>");
    EXPECT_EQ(Disassembler::format(jmp32Imm(BPF_JNE, R0, 2, 1), 0), "if w0 != 0x2 goto +1 <2>");
    EXPECT_EQ(Disassembler::format(endian(BPF_TO_BE, R0, 32), 0), "r0 = be32 r0");
    EXPECT_EQ(Disassembler::format(stImm(BPF_W, R6, 56, 3), 0), "*(u32 *)(r6 + 56) = 0x3");
    EXPECT_EQ(Disassembler::format(exit(), 0), "exit");
    const auto wide = ldImm64(R3, 0x1122334455667788ULL);
    EXPECT_EQ(Disassembler::format(wide[0], 0, &wide[1]), "r3 = 0x1122334455667788 ll");
}

} // namespace
} // namespace mamori::lbm
