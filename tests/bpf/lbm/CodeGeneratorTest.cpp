// What the code generator emits, checked without a kernel: constants become jumps, sets become
// search trees, oversized rule files fail with a message that says so.
#include "LbmTestSupport.h"
#include "lbm/Disassembler.h"

#include <gtest/gtest.h>
#include <stdexcept>

namespace mamori::lbm {
namespace {

using test::rules;

size_t countOpcode(const Program& program, uint8_t code) {
    size_t count = 0;
    for (const auto& instruction : program.instructions) {
        count += instruction.code == code ? 1 : 0;
    }
    return count;
}

TEST(CodeGeneratorTest, FoldedConstantsBecomeDirectJumps) {
    const auto file = rules("rule never drop { bt.hci.type == 1 && false }\n"
                            "rule always drop { bt.hci.type == 1 || true }\n"
                            "rule dead drop { bt.hci.type == 9 }\n");
    const Program program = CodeGenerator(Target::LbmProgram).compile(file);
    const std::string dump = Disassembler::disassemble(program);
    // Only the subsystem guard compares; the rule after `always` is unreachable and gone.
    EXPECT_EQ(dump.find("0x9"), std::string::npos) << dump;
    EXPECT_EQ(countOpcode(program, BPF_JMP | BPF_JEQ | BPF_K), 0u) << dump;
}

TEST(CodeGeneratorTest, LargeSetsBecomeABinarySearch) {
    std::string set;
    for (int i = 0; i < 64; ++i) {
        set += (i == 0 ? "" : ", ") + std::to_string(i * 3);
    }
    const auto file = rules("rule big drop { bt.hci.event.code in {" + set + "} }\n");
    const Program program = CodeGenerator(Target::XdpHarness).compile(file);
    // A chain would need 64 equality tests on the longest path; the tree has JGT splits.
    EXPECT_GT(countOpcode(program, BPF_JMP | BPF_JGT | BPF_K), 5u);
}

TEST(CodeGeneratorTest, SlicesUseByteSwappedLoads) {
    const auto file = rules("rule s drop { bt.l2cap.payload[0:2] == 0x0501 }\n");
    const Program program = CodeGenerator(Target::XdpHarness).compile(file);
    EXPECT_NE(Disassembler::disassemble(program).find("be16"), std::string::npos);
}

TEST(CodeGeneratorTest, DeviceAndLogRulesAreNotCompiled) {
    const auto file = rules("rule dev drop { usb.idVendor == 0x1234 }\n"
                            "rule log-it log { bt.hci.type == 4 }\n");
    const Program program = CodeGenerator(Target::XdpHarness).compile(file);
    EXPECT_TRUE(program.rules.empty());
    EXPECT_EQ(program.ruleNames.size(), 2u);
}

// Built as a tree: parsing a million literals would test the parser's speed, not this.
RuleFile hugeRuleFile(int ruleCount, int setSize) {
    RuleFile file;
    const FieldInfo* field = findField("bt.hci.acl.len");
    for (int r = 0; r < ruleCount; ++r) {
        Membership membership;
        membership.lhs.field = field;
        for (int i = 0; i < setSize; ++i) {
            membership.set.emplace_back(static_cast<uint64_t>(i));
        }
        Rule rule;
        rule.name = "r" + std::to_string(r);
        rule.subsystem = Subsystem::BtHci;
        rule.condition = std::make_unique<Expr>(Expr{std::move(membership), {}});
        file.rules.push_back(std::move(rule));
    }
    return file;
}

TEST(CodeGeneratorTest, TooLargeRuleFileFailsWithTheLimit) {
    const RuleFile file = hugeRuleFile(250, 4000);
    try {
        CodeGenerator(Target::XdpHarness).compile(file);
        FAIL() << "a 1M+ instruction program compiled";
    } catch (const std::length_error& e) {
        EXPECT_NE(std::string(e.what()).find("1000000"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
    }
}

TEST(CodeGeneratorTest, LbmTargetReadsTheContextStruct) {
    const auto file = rules("rule u drop { usb.urb.idVendor == 0x1234 }\n");
    const Program program = CodeGenerator(Target::LbmProgram).compile(file);
    const std::string dump = Disassembler::disassemble(program);
    const auto vendor = offsetof(lbm_context, meta) + offsetof(lbm_packet_meta, usb_id_vendor);
    EXPECT_NE(dump.find("*(u16 *)(r6 + " + std::to_string(vendor) + ")"), std::string::npos)
        << dump;
    EXPECT_NE(dump.find("r0 = 0x1"), std::string::npos) << dump; // drop = 1 in LBM's convention
}

} // namespace
} // namespace mamori::lbm
