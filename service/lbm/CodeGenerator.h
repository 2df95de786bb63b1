// Compiles the packet rules of a rule file to eBPF bytecode, without clang: rules in file
// order, the first matching rule decides; its action Drop makes the program return "drop",
// every other action (and no match) "allow". && / || / ! become short-circuit jumps, `in {..}`
// a compare chain or a binary search over the sorted set, slices big-endian loads; every
// packet byte is bounds-checked the way the verifier wants (pointer + n compared to data_end),
// and a comparison whose bytes are not all in the packet is false.
//
// A packet rule only matches packets of its own subsystem (meta.subsystem): an L2CAP rule is
// skipped for a USB URB. Device rules (fields read from sysfs, and rules that read no field at
// all) are evaluated in user space and never match a packet, so they are left out of the
// program, and so are `log` rules, which never decide (the Interpreter's evaluatePacket).
#pragma once

#include "ebpf/BpfAssembler.h"
#include "lbm/Ast.h"

#include <cstddef>
#include <cstdint>
#include <linux/bpf.h>
#include <span>
#include <string>
#include <vector>

namespace mamori::lbm {

using ebpf::BpfAssembler;
using ebpf::Label;

enum class Target {
    // BPF_PROG_TYPE_LBM of the kernel patch: context = struct lbm_context (bpf/lbm_packet.h),
    // returns 1 = drop, 0 = allow.
    LbmProgram,
    // An XDP program for stock kernels: the packet is struct lbm_packet_meta followed by the
    // payload; returns XDP_DROP (1) = drop, XDP_PASS (2) = allow, XDP_ABORTED (0) when the
    // packet is shorter than the metadata; stores 1 + the deciding rule's index in
    // meta.harness_rule (0 = none).
    XdpHarness,
};

// The kernel's cap on instructions per program (and per verification): BPF_COMPLEXITY_LIMIT_INSNS.
inline constexpr size_t kMaxProgramInstructions = 1'000'000;

// Where the code of one compiled rule starts, for `dump` and for naming a rejected rule.
struct RuleCode {
    size_t ruleIndex = 0; // in RuleFile::rules
    std::string name;
    Action action = Action::Drop;
    size_t firstInstruction = 0;
    Subsystem subsystem = Subsystem::UsbUrb; // the packets it is guarded to
};

struct Program {
    Target target = Target::XdpHarness;
    std::vector<bpf_insn> instructions;
    std::vector<RuleCode> rules;        // the packet rules compiled, in order
    std::vector<std::string> ruleNames; // every rule of the file; harness_rule - 1 indexes it
};

// The name of the rule whose code holds instruction `index` ("prologue" before the first).
std::string ruleNameAt(const Program& program, size_t index);

class CodeGenerator {
public:
    explicit CodeGenerator(Target target)
        : target_(target) {}

    // Throws std::length_error when the program would exceed the kernel's limits (the message
    // names the limit and the rule), std::invalid_argument for an AST the type checker should
    // have rejected (e.g. a string compared with a number field).
    Program compile(const RuleFile& file);

private:
    // Where a compared value lives once the operand is prepared.
    struct Operand {
        bool wide = false;   // a slice longer than 8 bytes: compared in place, chunk by chunk
        bool narrow = false; // the value in r0 has at most 32 significant bits
        uint8_t base = 0;    // wide: register holding the base pointer
        int32_t offset = 0;  // wide: byte offset from base
        uint32_t length = 0; // wide: number of bytes
    };

    void emitPrologue();
    void emitEpilogue();
    void emitPayloadReload();
    void emitRule(const Rule& rule, size_t index, Program& program);
    void emitMatch(const Rule& rule, size_t index);
    void emitSubsystemGuard(Subsystem subsystem, Label skip);

    // Jumps to `target` when `expr` evaluates to `sense`, falls through otherwise.
    void emitJump(const Expr& expr, bool sense, Label target);
    void emitComparison(const Comparison& comparison, bool sense, Label target);
    void emitMembership(const Membership& membership, bool sense, Label target);
    void emitFieldComparison(const FieldComparison& comparison, bool sense, Label target);
    void addConstant(uint64_t addend);
    static Operand valueOperand(bool narrow);
    static Operand wideOperand(uint8_t base, int32_t offset, uint32_t length);

    // Loads the field (or prepares a wide slice); jumps to outOfRange when its bytes are not
    // all in the packet.
    Operand prepareOperand(const FieldRef& ref, Label outOfRange);
    Operand prepareMetaBytes(const FieldRef& ref, Label outOfRange);
    Operand preparePayloadBytes(const FieldRef& ref, Label outOfRange);
    void loadPayloadNumber(const FieldInfo& field, Label outOfRange);
    void loadBigEndian(uint8_t base, int32_t offset, uint32_t length);
    void emitBoundsCheck(uint64_t end, Label outOfRange);
    static uint64_t payloadNeeded(const Expr& expr);

    uint64_t literalValue(const FieldRef& ref, const Literal& literal) const;
    void emitValueJump(uint8_t op, uint64_t value, bool narrow, Label target);
    void emitSetSearch(std::span<const uint64_t> values, bool narrow, Label found, Label notFound,
                       bool notFoundIsNext);
    void emitWideEqual(const Operand& operand, const std::string& bytes, Label equal,
                       Label different, bool differentIsNext);
    const std::string& wideLiteral(const Operand& operand, const Literal& literal) const;

    int32_t metaOffset(uint32_t fieldOffset) const;
    void checkSize();
    [[noreturn]] void fail(const std::string& message) const;

    Target target_;
    BpfAssembler assembler_;
    const Rule* currentRule_ = nullptr;
};

} // namespace mamori::lbm
