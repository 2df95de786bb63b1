#include "lbm/CodeGenerator.h"

#include "ebpf/BpfInstruction.h"
#include "lbm/PacketMeta.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace mamori::lbm {
namespace {

using namespace ebpf::insn;

// Register plan. r1-r5 are free because the program calls no helpers.
constexpr uint8_t kValue = R0;  // the value under comparison (and the return value at exit)
constexpr uint8_t kCursor = R2; // payload pointer + n, compared with data_end
constexpr uint8_t kScratch = R3;
constexpr uint8_t kOther = R4;   // the right-hand field of a field comparison
constexpr uint8_t kMeta = R6;    // harness: start of the packet (= the metadata); LBM: context
constexpr uint8_t kPayload = R7; // first payload byte
constexpr uint8_t kDataEnd = R8;
constexpr uint8_t kContext = R9; // harness: the xdp_md, to reload the payload pointer

// Sets up to this size are a chain of equality tests; larger ones a binary search. Below about
// this size a chain executes no more instructions than the tree, which also needs a JGT per
// level and a jump out of each left subtree.
constexpr size_t kLinearSetLimit = 4;

// Load and store offsets are 16-bit signed. Metadata offsets are bounded by the size of the
// context and metadata structs, far inside that range; the check keeps a change of layout
// from being truncated silently.
int16_t instructionOffset(int32_t offset) {
    if (offset < std::numeric_limits<int16_t>::min() ||
        offset > std::numeric_limits<int16_t>::max()) {
        throw std::logic_error("offset " + std::to_string(offset) +
                               " does not fit a 16-bit instruction offset");
    }
    return static_cast<int16_t>(offset);
}

// Payload offsets are 16-bit signed in a load instruction and the verifier tracks packet ranges
// up to 0xffff; keeping every accessed byte below 32767 satisfies both. (The type checker
// allows slices up to byte 0xffff; the LBM target rejects those beyond this limit until it
// needs them, the harness never sees packets that long.)
constexpr uint64_t kMaxPayloadEnd = 32767;

// How far a subsystem guard may jump before the group is split: the rest of a 32767-instruction
// jump is left for the one rule that may follow.
constexpr size_t kMaxGuardSpan = 16384;

// Rules between two payload-pointer reloads (see emitPayloadReload).
constexpr size_t kReloadInterval = 8;

constexpr int32_t kXdpAborted = 0;
constexpr int32_t kXdpDrop = 1;
constexpr int32_t kXdpPass = 2;

bool fitsSignExtendedImm32(uint64_t value) {
    const auto asSigned = static_cast<int64_t>(value);
    return asSigned >= INT32_MIN && asSigned <= INT32_MAX;
}

uint8_t jumpOp(CompareOp op) {
    switch (op) {
    case CompareOp::Eq:
        return BPF_JEQ;
    case CompareOp::Ne:
        return BPF_JNE;
    case CompareOp::Lt:
        return BPF_JLT;
    case CompareOp::Le:
        return BPF_JLE;
    case CompareOp::Gt:
        return BPF_JGT;
    case CompareOp::Ge:
        return BPF_JGE;
    }
    return BPF_JEQ;
}

// The jump taken when the comparison is false (the value is known to be in range).
CompareOp negate(CompareOp op) {
    switch (op) {
    case CompareOp::Eq:
        return CompareOp::Ne;
    case CompareOp::Ne:
        return CompareOp::Eq;
    case CompareOp::Lt:
        return CompareOp::Ge;
    case CompareOp::Le:
        return CompareOp::Gt;
    case CompareOp::Gt:
        return CompareOp::Le;
    case CompareOp::Ge:
        return CompareOp::Lt;
    }
    return op;
}

// The largest load (8, 4, 2 or 1 bytes) that fits in `remaining`.
uint32_t chunkSize(uint32_t remaining) {
    return remaining >= 8 ? 8 : remaining >= 4 ? 4 : remaining >= 2 ? 2 : 1;
}

// What a load of bytes[pos, pos+size) yields on this host: the bytes in memory order.
uint64_t nativeValue(const std::string& bytes, size_t pos, uint32_t size) {
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    switch (size) {
    case 1:
        std::memcpy(&u8, bytes.data() + pos, 1);
        return u8;
    case 2:
        std::memcpy(&u16, bytes.data() + pos, 2);
        return u16;
    case 4:
        std::memcpy(&u32, bytes.data() + pos, 4);
        return u32;
    default:
        std::memcpy(&u64, bytes.data() + pos, 8);
        return u64;
    }
}

uint64_t bigEndianValue(const std::string& bytes) {
    uint64_t value = 0;
    for (const char byte : bytes) {
        value = (value << 8) | static_cast<uint8_t>(byte);
    }
    return value;
}

// The field a rule reads first: tells device rules from packet rules and which subsystem a
// packet rule belongs to. nullptr for rules without fields (constants).
const FieldInfo* firstField(const Expr& expr) {
    return std::visit(
        [](const auto& node) -> const FieldInfo* {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Comparison> || std::is_same_v<Node, Membership> ||
                          std::is_same_v<Node, FieldComparison>) {
                return node.lhs.field;
            } else if constexpr (std::is_same_v<Node, Not>) {
                return firstField(*node.operand);
            } else if constexpr (std::is_same_v<Node, And> || std::is_same_v<Node, Or>) {
                const FieldInfo* field = firstField(*node.lhs);
                return field != nullptr ? field : firstField(*node.rhs);
            } else {
                return nullptr;
            }
        },
        expr.node);
}

// A compiled rule: which one and the packet subsystem it is guarded by.
struct PlannedRule {
    size_t index;
    Subsystem subsystem;
};

// The parser records a rule's subsystem; trees built by hand may leave it out, then the
// fields say. A rule without any (`true`) is a device rule, as for the Interpreter.
std::optional<Subsystem> subsystemOf(const Rule& rule) {
    if (rule.subsystem) {
        return rule.subsystem;
    }
    const FieldInfo* field = rule.condition ? firstField(*rule.condition) : nullptr;
    return field != nullptr ? std::optional(field->subsystem) : std::nullopt;
}

// The rules that can decide a packet's fate: packet rules whose action is drop or allow (log
// rules never decide, `ask` is for device rules, device rules never see packets).
std::vector<PlannedRule> planRules(const RuleFile& file) {
    std::vector<PlannedRule> plan;
    for (size_t i = 0; i < file.rules.size(); ++i) {
        const Rule& rule = file.rules[i];
        const bool decides = rule.action == Action::Drop || rule.action == Action::Allow;
        if (!decides || rule.condition == nullptr) {
            continue;
        }
        const auto subsystem = subsystemOf(rule);
        if (subsystem && isPacketSubsystem(*subsystem)) {
            plan.push_back({i, *subsystem});
        }
    }
    return plan;
}

// One past the last payload byte a comparison reads (0 for metadata).
uint64_t payloadEnd(const FieldRef& ref) {
    if (ref.field == nullptr) {
        return 0;
    }
    const FieldInfo& field = *ref.field;
    if (field.source == FieldSource::Payload) {
        return uint64_t{field.offset} + field.widthBits / 8;
    }
    if (field.source == FieldSource::PayloadBytes && ref.sliced) {
        return uint64_t{field.offset} + ref.sliceEnd;
    }
    return 0;
}

} // namespace

// A payload length below which `expr` is certainly false: a comparison is false when its
// bytes are missing, && needs what either side needs, || what both need; ! promises nothing.
uint64_t CodeGenerator::payloadNeeded(const Expr& expr) {
    return std::visit(
        [](const auto& node) -> uint64_t {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Comparison> || std::is_same_v<Node, Membership>) {
                return payloadEnd(node.lhs);
            } else if constexpr (std::is_same_v<Node, FieldComparison>) {
                return std::max(payloadEnd(node.lhs), payloadEnd(node.rhs));
            } else if constexpr (std::is_same_v<Node, And>) {
                return std::max(payloadNeeded(*node.lhs), payloadNeeded(*node.rhs));
            } else if constexpr (std::is_same_v<Node, Or>) {
                return std::min(payloadNeeded(*node.lhs), payloadNeeded(*node.rhs));
            } else {
                return 0;
            }
        },
        expr.node);
}

CodeGenerator::Operand CodeGenerator::valueOperand(bool narrow) {
    Operand operand;
    operand.narrow = narrow;
    return operand;
}

CodeGenerator::Operand CodeGenerator::wideOperand(uint8_t base, int32_t offset, uint32_t length) {
    Operand operand;
    operand.wide = true;
    operand.base = base;
    operand.offset = offset;
    operand.length = length;
    return operand;
}

std::string ruleNameAt(const Program& program, size_t index) {
    std::string name = "prologue";
    for (const auto& rule : program.rules) {
        if (rule.firstInstruction <= index) {
            name = rule.name;
        }
    }
    return name;
}

Program CodeGenerator::compile(const RuleFile& file) {
    assembler_ = BpfAssembler();
    Program program;
    program.target = target_;
    for (const auto& rule : file.rules) {
        program.ruleNames.push_back(rule.name);
    }
    emitPrologue();
    const auto plan = planRules(file);
    size_t rulesSinceReload = 0;
    for (size_t i = 0; i < plan.size();) {
        // Consecutive rules of one subsystem share one guard: a packet of another subsystem
        // skips them all with a single test.
        size_t end = i + 1;
        while (end < plan.size() && plan[end].subsystem == plan[i].subsystem) {
            ++end;
        }
        Label groupEnd = assembler_.newLabel();
        emitSubsystemGuard(plan[i].subsystem, groupEnd);
        size_t guardAt = assembler_.size();
        for (; i < end; ++i) {
            if (assembler_.size() - guardAt > kMaxGuardSpan) {
                // A jump reaches only 32767 instructions: guard the rest of the group anew.
                assembler_.bind(groupEnd);
                groupEnd = assembler_.newLabel();
                emitSubsystemGuard(plan[i].subsystem, groupEnd);
                guardAt = assembler_.size();
            }
            if (++rulesSinceReload % kReloadInterval == 0) {
                emitPayloadReload();
            }
            emitRule(file.rules[plan[i].index], plan[i].index, program);
            program.rules.back().subsystem = plan[i].subsystem;
        }
        assembler_.bind(groupEnd);
    }
    currentRule_ = nullptr;
    emitEpilogue();
    program.instructions = assembler_.finish();
    return program;
}

void CodeGenerator::emitPrologue() {
    if (target_ == Target::LbmProgram) {
        assembler_.emit(mov64Reg(kMeta, R1));
        assembler_.emit(ldx(BPF_W, kPayload, R1, offsetof(lbm_context, data)));
        assembler_.emit(ldx(BPF_W, kDataEnd, R1, offsetof(lbm_context, data_end)));
        return;
    }
    assembler_.emit(mov64Reg(kContext, R1));
    assembler_.emit(ldx(BPF_W, kMeta, R1, offsetof(xdp_md, data)));
    assembler_.emit(ldx(BPF_W, kDataEnd, R1, offsetof(xdp_md, data_end)));
    assembler_.emit(mov64Reg(kCursor, kMeta));
    assembler_.emit(alu64Imm(BPF_ADD, kCursor, sizeof(lbm_packet_meta)));
    // The short-packet exit sits right here, not at the end: a jump reaches 32767 instructions.
    const Label body = assembler_.newLabel();
    assembler_.jumpReg(BPF_JLE, kCursor, kDataEnd, body);
    assembler_.emit(mov64Imm(R0, kXdpAborted));
    assembler_.emit(exit());
    assembler_.bind(body);
    emitPayloadReload();
}

// Loads the payload pointer afresh. The verifier remembers, per path, how many bytes each
// packet pointer was checked for, and paths that checked different amounts cannot share one
// verification where they meet. A fresh pointer is unchecked on every path, so every few rules
// the states become equal again (the metadata pointer, loaded separately, keeps its one check).
// It bounds that growth; it does not lift the verifier's other limits (see ProgramLoader).
void CodeGenerator::emitPayloadReload() {
    if (target_ == Target::LbmProgram) {
        assembler_.emit(ldx(BPF_W, kPayload, kMeta, offsetof(lbm_context, data)));
    } else {
        assembler_.emit(ldx(BPF_W, kPayload, kContext, offsetof(xdp_md, data)));
        assembler_.emit(alu64Imm(BPF_ADD, kPayload, sizeof(lbm_packet_meta)));
    }
    assembler_.setPathBound(0);
}

void CodeGenerator::emitEpilogue() {
    assembler_.emit(mov64Imm(R0, target_ == Target::XdpHarness ? kXdpPass : 0));
    assembler_.emit(exit());
}

void CodeGenerator::emitSubsystemGuard(Subsystem subsystem, Label skip) {
    assembler_.emit(ldx(BPF_W, kValue, kMeta,
                        instructionOffset(metaOffset(offsetof(lbm_packet_meta, subsystem)))));
    assembler_.jump32Imm(BPF_JNE, kValue, static_cast<int32_t>(packetSubsystemCode(subsystem)),
                         skip);
}

void CodeGenerator::emitRule(const Rule& rule, size_t index, Program& program) {
    currentRule_ = &rule;
    program.rules.push_back({index, rule.name, rule.action, assembler_.size()});
    const Label next = assembler_.newLabel();
    // One check for the bytes the rule cannot match without: it spares the checks of every
    // comparison below it, and the verifier a branch each.
    const uint64_t needed = payloadNeeded(*rule.condition);
    if (needed > 0) {
        emitBoundsCheck(needed, next);
    }
    emitJump(*rule.condition, false, next);
    emitMatch(rule, index);
    assembler_.bind(next);
    checkSize();
}

void CodeGenerator::emitMatch(const Rule& rule, size_t index) {
    const bool drop = rule.action == Action::Drop;
    if (target_ == Target::LbmProgram) {
        assembler_.emit(mov64Imm(R0, drop ? 1 : 0));
        assembler_.emit(exit());
        return;
    }
    assembler_.emit(stImm(BPF_W, kMeta,
                          instructionOffset(metaOffset(offsetof(lbm_packet_meta, harness_rule))),
                          static_cast<int32_t>(index + 1)));
    assembler_.emit(mov64Imm(R0, drop ? kXdpDrop : kXdpPass));
    assembler_.emit(exit());
}

void CodeGenerator::emitJump(const Expr& expr, bool sense, Label target) {
    std::visit(
        [&](const auto& node) {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Comparison>) {
                emitComparison(node, sense, target);
            } else if constexpr (std::is_same_v<Node, Membership>) {
                emitMembership(node, sense, target);
            } else if constexpr (std::is_same_v<Node, FieldComparison>) {
                emitFieldComparison(node, sense, target);
            } else if constexpr (std::is_same_v<Node, Not>) {
                emitJump(*node.operand, !sense, target);
            } else if constexpr (std::is_same_v<Node, Constant>) {
                if (node.value == sense) {
                    assembler_.jumpAlways(target);
                }
            } else {
                // a && b is true only if both are; a || b is false only if both are. The case
                // that needs both operands jumps past the second one when the first decides.
                constexpr bool isAnd = std::is_same_v<Node, And>;
                if (sense == isAnd) {
                    const Label skip = assembler_.newLabel();
                    emitJump(*node.lhs, !sense, skip);
                    emitJump(*node.rhs, sense, target);
                    assembler_.bind(skip);
                } else {
                    emitJump(*node.lhs, sense, target);
                    emitJump(*node.rhs, sense, target);
                }
            }
        },
        expr.node);
}

void CodeGenerator::emitComparison(const Comparison& comparison, bool sense, Label target) {
    const Label skip = assembler_.newLabel();
    // Out of range means false: it reaches `target` only when we jump on false.
    const Operand operand = prepareOperand(comparison.lhs, sense ? skip : target);
    if (!operand.wide) {
        const uint64_t value = literalValue(comparison.lhs, comparison.rhs);
        const CompareOp op = sense ? comparison.op : negate(comparison.op);
        emitValueJump(jumpOp(op), value, operand.narrow, target);
        assembler_.bind(skip);
        return;
    }
    if (comparison.op != CompareOp::Eq && comparison.op != CompareOp::Ne) {
        fail("a slice longer than 8 bytes can only be compared with == or !=");
    }
    const std::string& bytes = wideLiteral(operand, comparison.rhs);
    const bool jumpWhenEqual = sense == (comparison.op == CompareOp::Eq);
    if (jumpWhenEqual) {
        emitWideEqual(operand, bytes, target, skip, true);
    } else {
        emitWideEqual(operand, bytes, skip, target, false);
    }
    assembler_.bind(skip);
}

void CodeGenerator::emitMembership(const Membership& membership, bool sense, Label target) {
    const Label skip = assembler_.newLabel();
    const Operand operand = prepareOperand(membership.lhs, sense ? skip : target);
    const Label found = sense ? target : skip;
    const Label notFound = sense ? skip : target;
    if (operand.wide) {
        for (const auto& literal : membership.set) {
            const Label next = assembler_.newLabel();
            emitWideEqual(operand, wideLiteral(operand, literal), found, next, true);
            assembler_.bind(next);
        }
        if (!sense) {
            assembler_.jumpAlways(notFound);
        }
        assembler_.bind(skip);
        return;
    }
    std::vector<uint64_t> values;
    for (const auto& literal : membership.set) {
        values.push_back(literalValue(membership.lhs, literal));
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    emitSetSearch(values, operand.narrow, found, notFound, sense);
    assembler_.bind(skip);
}

// Both sides are loaded (the right one parked in r4) and widened with their addends, so the
// sums cannot wrap: fields are at most 32 bits wide and addends at most 0xffffffff.
void CodeGenerator::emitFieldComparison(const FieldComparison& comparison, bool sense,
                                        Label target) {
    const Label skip = assembler_.newLabel();
    const Label outOfRange = sense ? skip : target;
    for (const FieldRef* side : {&comparison.lhs, &comparison.rhs}) {
        if (side->field == nullptr || side->field->type != FieldType::Number) {
            fail("a field comparison needs two number fields");
        }
    }
    prepareOperand(comparison.rhs, outOfRange);
    addConstant(comparison.rhsAddend);
    assembler_.emit(mov64Reg(kOther, kValue));
    prepareOperand(comparison.lhs, outOfRange);
    addConstant(comparison.lhsAddend);
    const CompareOp op = sense ? comparison.op : negate(comparison.op);
    assembler_.jumpReg(jumpOp(op), kValue, kOther, target);
    assembler_.bind(skip);
}

void CodeGenerator::addConstant(uint64_t addend) {
    if (addend == 0) {
        return;
    }
    if (addend <= INT32_MAX) {
        assembler_.emit(alu64Imm(BPF_ADD, kValue, static_cast<int32_t>(addend)));
        return;
    }
    assembler_.loadImm64(kScratch, addend);
    assembler_.emit(alu64Reg(BPF_ADD, kValue, kScratch));
}

CodeGenerator::Operand CodeGenerator::prepareOperand(const FieldRef& ref, Label outOfRange) {
    if (ref.field == nullptr) {
        fail("a comparison without a field");
    }
    const FieldInfo& field = *ref.field;
    switch (field.source) {
    case FieldSource::Meta:
        if (field.type == FieldType::Bytes) {
            return prepareMetaBytes(ref, outOfRange);
        }
        if (sizeCode(field.widthBits / 8) == 0xff) {
            fail("field '" + std::string(field.name) + "' has an unsupported width");
        }
        assembler_.emit(ldx(sizeCode(field.widthBits / 8), kValue, kMeta,
                            instructionOffset(metaOffset(field.offset))));
        return valueOperand(field.widthBits <= 32);
    case FieldSource::Payload:
        loadPayloadNumber(field, outOfRange);
        return valueOperand(field.widthBits <= 32);
    case FieldSource::PayloadBytes:
        return preparePayloadBytes(ref, outOfRange);
    case FieldSource::Device:
        break;
    }
    fail("device field '" + std::string(field.name) + "' in a packet rule");
}

CodeGenerator::Operand CodeGenerator::prepareMetaBytes(const FieldRef& ref, Label outOfRange) {
    const uint32_t fieldBytes = ref.field->widthBits / 8;
    const uint32_t begin = ref.sliced ? ref.sliceBegin : 0;
    const uint32_t end = ref.sliced ? ref.sliceEnd : fieldBytes;
    if (end <= begin) {
        fail("empty slice of '" + std::string(ref.field->name) + "'");
    }
    if (end > fieldBytes) {
        // Bytes the metadata field does not have: the comparison is false.
        assembler_.jumpAlways(outOfRange);
        return valueOperand(false);
    }
    const auto offset = metaOffset(ref.field->offset + begin);
    if (end - begin > 8) {
        return wideOperand(kMeta, offset, end - begin);
    }
    loadBigEndian(kMeta, offset, end - begin);
    return valueOperand(end - begin <= 4);
}

CodeGenerator::Operand CodeGenerator::preparePayloadBytes(const FieldRef& ref, Label outOfRange) {
    if (!ref.sliced) {
        fail("'" + std::string(ref.field->name) + "' must be sliced, e.g. [0:2]");
    }
    if (ref.sliceEnd <= ref.sliceBegin) {
        fail("empty slice of '" + std::string(ref.field->name) + "'");
    }
    const uint64_t begin = uint64_t{ref.field->offset} + ref.sliceBegin;
    const uint32_t length = ref.sliceEnd - ref.sliceBegin;
    emitBoundsCheck(begin + length, outOfRange);
    const auto offset = static_cast<int32_t>(begin);
    if (length > 8) {
        return wideOperand(kPayload, offset, length);
    }
    loadBigEndian(kPayload, offset, length);
    return valueOperand(length <= 4);
}

void CodeGenerator::loadPayloadNumber(const FieldInfo& field, Label outOfRange) {
    const uint32_t bytes = field.widthBits / 8;
    if (sizeCode(bytes) == 0xff) {
        fail("field '" + std::string(field.name) + "' has an unsupported width");
    }
    emitBoundsCheck(uint64_t{field.offset} + bytes, outOfRange);
    assembler_.emit(ldx(sizeCode(bytes), kValue, kPayload, static_cast<int16_t>(field.offset)));
    if constexpr (std::endian::native == std::endian::big) {
        if (bytes > 1) {
            assembler_.emit(endian(BPF_TO_LE, kValue, static_cast<int32_t>(field.widthBits)));
        }
    }
    if (field.shift != 0) {
        assembler_.emit(alu64Imm(BPF_RSH, kValue, static_cast<int32_t>(field.shift)));
    }
    if (field.mask == 0) {
        return;
    }
    if (field.mask <= INT32_MAX) {
        assembler_.emit(alu64Imm(BPF_AND, kValue, static_cast<int32_t>(field.mask)));
        return;
    }
    assembler_.loadImm64(kScratch, field.mask);
    assembler_.emit(alu64Reg(BPF_AND, kValue, kScratch));
}

// r0 = bytes [offset, offset+length) read as one big-endian number (length <= 8), from the
// fewest loads: one load plus a byte swap for 2, 4 and 8 bytes, two or three otherwise.
void CodeGenerator::loadBigEndian(uint8_t base, int32_t offset, uint32_t length) {
    uint32_t done = 0;
    while (done < length) {
        const uint32_t chunk = chunkSize(length - done);
        const uint8_t reg = done == 0 ? kValue : kScratch;
        assembler_.emit(ldx(sizeCode(chunk), reg, base, static_cast<int16_t>(offset + done)));
        if (chunk > 1) {
            assembler_.emit(endian(BPF_TO_BE, reg, static_cast<int32_t>(chunk * 8)));
        }
        if (done != 0) {
            assembler_.emit(alu64Imm(BPF_LSH, kValue, static_cast<int32_t>(chunk * 8)));
            assembler_.emit(alu64Reg(BPF_OR, kValue, kScratch));
        }
        done += chunk;
    }
}

// The verifier only trusts a packet access after it has seen `payload + end <= data_end` on
// the path; the cursor register carries payload + end.
void CodeGenerator::emitBoundsCheck(uint64_t end, Label outOfRange) {
    if (end <= assembler_.pathBound()) {
        return; // an earlier check on every path to here covers it
    }
    if (end > kMaxPayloadEnd && target_ == Target::XdpHarness) {
        // No harness packet is that long (one page at most), so the bytes are never there.
        assembler_.jumpAlways(outOfRange);
        return;
    }
    if (end > kMaxPayloadEnd) {
        throw std::length_error("rule '" + currentRule_->name + "': packet byte " +
                                std::to_string(end - 1) + " is beyond what eBPF can check (" +
                                std::to_string(kMaxPayloadEnd) + ")");
    }
    assembler_.emit(mov64Reg(kCursor, kPayload));
    assembler_.emit(alu64Imm(BPF_ADD, kCursor, static_cast<int32_t>(end)));
    assembler_.jumpReg(BPF_JGT, kCursor, kDataEnd, outOfRange);
    assembler_.setPathBound(end);
}

uint64_t CodeGenerator::literalValue(const FieldRef& ref, const Literal& literal) const {
    if (const auto* number = std::get_if<uint64_t>(&literal)) {
        return *number;
    }
    const auto& text = std::get<std::string>(literal);
    if (ref.field->type != FieldType::Bytes && ref.field->type != FieldType::String) {
        fail("a string compared with number field '" + std::string(ref.field->name) + "'");
    }
    const uint32_t length = ref.sliced ? ref.sliceEnd - ref.sliceBegin : ref.field->widthBits / 8;
    if (text.size() != length) {
        fail("a " + std::to_string(text.size()) + "-byte string compared with a " +
             std::to_string(length) + "-byte slice");
    }
    return bigEndianValue(text);
}

const std::string& CodeGenerator::wideLiteral(const Operand& operand,
                                              const Literal& literal) const {
    const auto* text = std::get_if<std::string>(&literal);
    if (text == nullptr || text->size() != operand.length) {
        fail("a slice of " + std::to_string(operand.length) +
             " bytes can only be compared with a string of that many bytes");
    }
    return *text;
}

// One conditional jump on r0 against a constant, in the cheapest encoding: an immediate when
// it survives sign extension, a 32-bit compare when both sides fit in 32 bits, else the
// constant goes into a register first.
void CodeGenerator::emitValueJump(uint8_t op, uint64_t value, bool narrow, Label target) {
    if (fitsSignExtendedImm32(value)) {
        assembler_.jumpImm(op, kValue, static_cast<int32_t>(value), target);
        return;
    }
    if (narrow && value <= UINT32_MAX) {
        assembler_.jump32Imm(op, kValue, static_cast<int32_t>(static_cast<uint32_t>(value)),
                             target);
        return;
    }
    assembler_.loadImm64(kScratch, value);
    assembler_.jumpReg(op, kValue, kScratch, target);
}

void CodeGenerator::emitSetSearch(std::span<const uint64_t> values, bool narrow, Label found,
                                  Label notFound, bool notFoundIsNext) {
    if (values.size() <= kLinearSetLimit) {
        for (const uint64_t value : values) {
            emitValueJump(BPF_JEQ, value, narrow, found);
        }
        if (!notFoundIsNext) {
            assembler_.jumpAlways(notFound);
        }
        return;
    }
    const size_t middle = values.size() / 2;
    const Label upper = assembler_.newLabel();
    emitValueJump(BPF_JGT, values[middle], narrow, upper);
    emitValueJump(BPF_JEQ, values[middle], narrow, found);
    emitSetSearch(values.first(middle), narrow, found, notFound, false);
    assembler_.bind(upper);
    emitSetSearch(values.subspan(middle + 1), narrow, found, notFound, notFoundIsNext);
}

// Compares the operand's bytes with `bytes` in place, 8 bytes at a time, without byte swaps:
// equality does not care about byte order as long as both sides use the memory order.
void CodeGenerator::emitWideEqual(const Operand& operand, const std::string& bytes, Label equal,
                                  Label different, bool differentIsNext) {
    uint32_t done = 0;
    while (done < operand.length) {
        const uint32_t chunk = chunkSize(operand.length - done);
        assembler_.emit(ldx(sizeCode(chunk), kValue, operand.base,
                            static_cast<int16_t>(operand.offset + done)));
        const uint64_t expected = nativeValue(bytes, done, chunk);
        done += chunk;
        if (done < operand.length) {
            emitValueJump(BPF_JNE, expected, chunk <= 4, different);
        } else {
            emitValueJump(BPF_JEQ, expected, chunk <= 4, equal);
        }
    }
    if (!differentIsNext) {
        assembler_.jumpAlways(different);
    }
}

int32_t CodeGenerator::metaOffset(uint32_t fieldOffset) const {
    const uint32_t base = target_ == Target::LbmProgram ? offsetof(lbm_context, meta) : 0;
    return static_cast<int32_t>(base + fieldOffset);
}

void CodeGenerator::checkSize() {
    if (assembler_.size() <= kMaxProgramInstructions) {
        return;
    }
    throw std::length_error("rule file too large: at rule '" + currentRule_->name +
                            "' the filter already has " + std::to_string(assembler_.size()) +
                            " eBPF instructions; the kernel accepts at most " +
                            std::to_string(kMaxProgramInstructions) +
                            " (BPF_COMPLEXITY_LIMIT_INSNS); split the rule file");
}

void CodeGenerator::fail(const std::string& message) const {
    const std::string where =
        currentRule_ != nullptr ? "rule '" + currentRule_->name + "': " : std::string();
    throw std::invalid_argument(where + message);
}

} // namespace mamori::lbm
