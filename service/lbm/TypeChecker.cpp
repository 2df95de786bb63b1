#include "lbm/TypeChecker.h"

#include "lbm/Overloaded.h"
#include "lbm/Printer.h"
#include "lbm/RuleError.h"

#include <string_view>
#include <vector>

namespace mamori::lbm {
namespace {

constexpr uint32_t kMaxSliceLength = 64;
constexpr uint32_t kMaxNumericSlice = 8;
// Packets are addressed with 16-bit offsets by the code generator's bounds checks.
constexpr uint32_t kMaxPacketOffset = 0xffff;

std::string hex(uint64_t value) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[value & 0xf]);
        value >>= 4;
    } while (value != 0);
    return "0x" + out;
}

std::string name(const FieldRef& ref) {
    return "'" + std::string(ref.field->name) + "'";
}

[[noreturn]] void fail(const SourcePosition& at, const std::string& message) {
    throw RuleError(at, message);
}

std::string_view subsystemName(Subsystem subsystem) {
    switch (subsystem) {
    case Subsystem::UsbDevice:
        return "usb device";
    case Subsystem::UsbInterface:
        return "usb.interface";
    case Subsystem::UsbUrb:
        return "usb.urb";
    case Subsystem::BtHci:
        return "bt.hci";
    case Subsystem::BtL2cap:
        return "bt.l2cap";
    }
    return "?";
}

// Bytes the comparison reads from a Bytes/String field: the slice, or for the fixed-size
// metadata bytes (usb.urb.setup) all of them; 0 for whole String fields.
uint32_t comparedLength(const FieldRef& ref) {
    if (ref.sliced) {
        return ref.sliceEnd - ref.sliceBegin;
    }
    if (ref.field->type == FieldType::Bytes && ref.field->source == FieldSource::Meta) {
        return ref.field->widthBits / 8;
    }
    return 0;
}

void checkSlice(const FieldRef& ref) {
    const FieldInfo& field = *ref.field;
    if (field.type != FieldType::String && field.type != FieldType::Bytes) {
        fail(ref.position, name(ref) + " is not a string or bytes field and cannot be sliced");
    }
    if (ref.sliceEnd <= ref.sliceBegin) {
        fail(ref.position, "slice end must be greater than its start in " + name(ref) + "[" +
                               std::to_string(ref.sliceBegin) + ":" + std::to_string(ref.sliceEnd) +
                               "]");
    }
    if (ref.sliceEnd - ref.sliceBegin > kMaxSliceLength) {
        fail(ref.position, "slice of " + name(ref) + " is longer than " +
                               std::to_string(kMaxSliceLength) + " bytes");
    }
    if (field.source == FieldSource::Meta && ref.sliceEnd > field.widthBits / 8) {
        fail(ref.position, "slice end " + std::to_string(ref.sliceEnd) + " is past the " +
                               std::to_string(field.widthBits / 8) + " bytes of " + name(ref));
    }
    if (field.source == FieldSource::PayloadBytes &&
        static_cast<uint64_t>(field.offset) + ref.sliceEnd > kMaxPacketOffset) {
        fail(ref.position, "slice of " + name(ref) + " ends past byte " +
                               std::to_string(kMaxPacketOffset) + " of the packet");
    }
}

void checkFieldRef(const FieldRef& ref) {
    if (ref.sliced) {
        checkSlice(ref);
    }
}

void checkNumberFits(const FieldRef& ref, uint64_t value, uint64_t max, uint32_t bits) {
    if (value > max) {
        fail(ref.position, hex(value) + " does not fit " + name(ref) + " (" + std::to_string(bits) +
                               " bits, at most " + hex(max) + ")");
    }
}

uint64_t bitsMax(uint32_t bits) {
    return bits >= 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
}

void checkNumberComparison(const Comparison& c) {
    const auto* value = std::get_if<uint64_t>(&c.rhs);
    if (value == nullptr) {
        fail(c.lhs.position, name(c.lhs) + " is a number; compare it with a number, not a string");
    }
    checkNumberFits(c.lhs, *value, TypeChecker::maxValue(*c.lhs.field), c.lhs.field->widthBits);
}

void checkEqualityOnly(const Comparison& c, const std::string& what) {
    if (c.op != CompareOp::Eq && c.op != CompareOp::Ne) {
        fail(c.lhs.position, what + " can only be compared with '==' or '!=', not '" +
                                 std::string(compareOpSpelling(c.op)) + "'");
    }
}

void checkStringLength(const Comparison& c, std::size_t length) {
    const auto& text = std::get<std::string>(c.rhs);
    if (length != 0 && text.size() != length) {
        fail(c.lhs.position, "string of " + std::to_string(text.size()) + " bytes compared with " +
                                 std::to_string(length) + "-byte slice of " + name(c.lhs) +
                                 " (the lengths must be equal)");
    }
}

void checkStringComparison(const Comparison& c) {
    if (!std::holds_alternative<std::string>(c.rhs)) {
        fail(c.lhs.position, name(c.lhs) + " is a string; compare it with a \"string\"");
    }
    checkEqualityOnly(c, "a string");
    checkStringLength(c, comparedLength(c.lhs));
}

void checkBytesComparison(const Comparison& c) {
    const uint32_t length = comparedLength(c.lhs);
    if (length == 0) {
        fail(c.lhs.position, name(c.lhs) + " has no fixed length; compare a slice of it, e.g. " +
                                 std::string(c.lhs.field->name) + "[0:2]");
    }
    if (std::holds_alternative<std::string>(c.rhs)) {
        checkEqualityOnly(c, "bytes compared with a string");
        checkStringLength(c, length);
        return;
    }
    if (length > kMaxNumericSlice) {
        fail(c.lhs.position, std::to_string(length) + " bytes of " + name(c.lhs) +
                                 " are more than 8; compare them with a string of " +
                                 std::to_string(length) + R"( bytes ("\xNN..."))");
    }
    checkNumberFits(c.lhs, std::get<uint64_t>(c.rhs), bitsMax(length * 8), length * 8);
}

void checkComparison(const Comparison& c) {
    checkFieldRef(c.lhs);
    switch (c.lhs.field->type) {
    case FieldType::Number:
        checkNumberComparison(c);
        return;
    case FieldType::String:
        checkStringComparison(c);
        return;
    case FieldType::Bytes:
        checkBytesComparison(c);
        return;
    case FieldType::NumberSet:
        fail(c.lhs.position, name(c.lhs) + " is a set of numbers; test it with " +
                                 std::string(c.lhs.field->name) + " in {...}");
    }
}

void checkMembership(const Membership& m) {
    checkFieldRef(m.lhs);
    const FieldType type = m.lhs.field->type;
    if (type != FieldType::Number && type != FieldType::NumberSet) {
        fail(m.lhs.position, "'in' needs a number field; " + name(m.lhs) + " is not one");
    }
    const uint64_t max = type == FieldType::Number ? TypeChecker::maxValue(*m.lhs.field)
                                                   : bitsMax(m.lhs.field->widthBits);
    for (const auto& literal : m.set) {
        const auto* value = std::get_if<uint64_t>(&literal);
        if (value == nullptr) {
            fail(m.lhs.position, "members of a set tested with 'in' must be numbers");
        }
        checkNumberFits(m.lhs, *value, max, m.lhs.field->widthBits);
    }
}

void checkFieldComparison(const FieldComparison& c) {
    for (const FieldRef* ref : {&c.lhs, &c.rhs}) {
        checkFieldRef(*ref);
        if (ref->field->type != FieldType::Number) {
            fail(ref->position, "only number fields can be compared with each other; " +
                                    name(*ref) + " is not a number");
        }
    }
}

void collectFields(const Expr& expr, std::vector<const FieldRef*>& out) {
    std::visit(Overloaded{
                   [&](const Comparison& c) { out.push_back(&c.lhs); },
                   [&](const Membership& m) { out.push_back(&m.lhs); },
                   [&](const FieldComparison& c) {
                       out.push_back(&c.lhs);
                       out.push_back(&c.rhs);
                   },
                   [&](const Not& n) { collectFields(*n.operand, out); },
                   [&](const And& a) {
                       collectFields(*a.lhs, out);
                       collectFields(*a.rhs, out);
                   },
                   [&](const Or& o) {
                       collectFields(*o.lhs, out);
                       collectFields(*o.rhs, out);
                   },
                   [](const Constant&) {},
               },
               expr.node);
}

void checkTypes(const Expr& expr) {
    std::visit(Overloaded{
                   [](const Comparison& c) { checkComparison(c); },
                   [](const Membership& m) { checkMembership(m); },
                   [](const FieldComparison& c) { checkFieldComparison(c); },
                   [](const Not& n) { checkTypes(*n.operand); },
                   [](const And& a) {
                       checkTypes(*a.lhs);
                       checkTypes(*a.rhs);
                   },
                   [](const Or& o) {
                       checkTypes(*o.lhs);
                       checkTypes(*o.rhs);
                   },
                   [](const Constant&) {},
               },
               expr.node);
}

bool isDeviceLevel(Subsystem subsystem) {
    return !isPacketSubsystem(subsystem);
}

// Device rules may combine device and interface fields; a packet rule reads one packet
// subsystem, because it is compiled into that subsystem's program.
void checkOneSubsystem(const Expr& expr) {
    std::vector<const FieldRef*> fields;
    collectFields(expr, fields);
    if (fields.empty()) {
        return;
    }
    const Subsystem first = fields.front()->field->subsystem;
    for (const FieldRef* ref : fields) {
        const Subsystem other = ref->field->subsystem;
        const bool compatible = other == first || (isDeviceLevel(other) && isDeviceLevel(first));
        if (!compatible) {
            fail(ref->position, "a rule talks about one subsystem: " + name(*ref) + " (" +
                                    std::string(subsystemName(other)) + ") cannot be used with " +
                                    std::string(subsystemName(first)) + " fields");
        }
    }
}

} // namespace

uint64_t TypeChecker::maxValue(const FieldInfo& field) {
    const uint64_t loaded = bitsMax(field.widthBits) >> field.shift;
    return field.mask == 0 ? loaded : (loaded & field.mask);
}

void TypeChecker::checkExpression(const Expr& expr) {
    checkTypes(expr);
    checkOneSubsystem(expr);
}

void TypeChecker::check(const Rule& rule) {
    if (!rule.condition) {
        fail(rule.position, "rule '" + rule.name + "' has no condition");
    }
    checkExpression(*rule.condition);
    const auto subsystem = subsystemOf(*rule.condition);
    if (rule.action == Action::Ask && subsystem && isPacketSubsystem(*subsystem)) {
        fail(rule.position, "rule '" + rule.name +
                                "': 'ask' is for device rules; a packet rule must drop, allow "
                                "or log (no one can answer for every packet)");
    }
}

void TypeChecker::check(const RuleFile& file) {
    for (const auto& rule : file.rules) {
        check(rule);
    }
}

std::optional<Subsystem> TypeChecker::subsystemOf(const Expr& expr) {
    std::vector<const FieldRef*> fields;
    collectFields(expr, fields);
    std::optional<Subsystem> result;
    for (const FieldRef* ref : fields) {
        const Subsystem subsystem = ref->field->subsystem;
        if (isPacketSubsystem(subsystem)) {
            return subsystem;
        }
        if (!result || subsystem == Subsystem::UsbInterface) {
            result = subsystem;
        }
    }
    return result;
}

} // namespace mamori::lbm
