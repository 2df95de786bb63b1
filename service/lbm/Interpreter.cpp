#include "lbm/Interpreter.h"

#include "lbm/Overloaded.h"

#include <cstring>
#include <functional>
#include <string>

namespace mamori::lbm {
namespace {

using Value = std::optional<FieldValue>;
using Reader = std::function<Value(const FieldInfo&)>;

template <typename T> bool compare(const T& a, CompareOp op, const T& b) {
    switch (op) {
    case CompareOp::Eq:
        return a == b;
    case CompareOp::Ne:
        return a != b;
    case CompareOp::Lt:
        return a < b;
    case CompareOp::Le:
        return a <= b;
    case CompareOp::Gt:
        return a > b;
    case CompareOp::Ge:
        return a >= b;
    }
    return false;
}

uint64_t shiftAndMask(const FieldInfo& field, uint64_t loaded) {
    const uint64_t shifted = loaded >> field.shift;
    return field.mask == 0 ? shifted : (shifted & field.mask);
}

uint64_t bigEndian(const std::string& bytes) {
    uint64_t value = 0;
    for (const char byte : bytes) {
        value = (value << 8) | static_cast<uint8_t>(byte);
    }
    return value;
}

// Evaluates one tree; `read` gives a field's raw value (bytes fields unsliced).
class Evaluator {
public:
    explicit Evaluator(Reader read)
        : read_(std::move(read)) {}

    bool eval(const Expr& expr) const {
        return std::visit(Overloaded{
                              [&](const Comparison& c) { return comparison(c); },
                              [&](const Membership& m) { return membership(m); },
                              [&](const FieldComparison& c) { return fieldComparison(c); },
                              [&](const Not& n) { return !eval(*n.operand); },
                              [&](const And& a) { return eval(*a.lhs) && eval(*a.rhs); },
                              [&](const Or& o) { return eval(*o.lhs) || eval(*o.rhs); },
                              [](const Constant& c) { return c.value; },
                          },
                          expr.node);
    }

private:
    Reader read_;

    // The value a comparison sees: numbers as read, bytes/strings cut to the slice (no
    // value when the slice reaches past the end).
    Value value(const FieldRef& ref) const {
        Value raw = read_(*ref.field);
        if (!raw || !ref.sliced) {
            return raw;
        }
        const auto* bytes = std::get_if<std::string>(&*raw);
        if (bytes == nullptr || ref.sliceEnd <= ref.sliceBegin || ref.sliceEnd > bytes->size()) {
            return std::nullopt;
        }
        return FieldValue{bytes->substr(ref.sliceBegin, ref.sliceEnd - ref.sliceBegin)};
    }

    std::optional<uint64_t> number(const FieldRef& ref) const {
        const Value v = value(ref);
        if (!v) {
            return std::nullopt;
        }
        if (const auto* n = std::get_if<uint64_t>(&*v)) {
            return *n;
        }
        return std::nullopt;
    }

    bool comparison(const Comparison& c) const {
        const Value v = value(c.lhs);
        if (!v) {
            return false;
        }
        if (const auto* n = std::get_if<uint64_t>(&*v)) {
            const auto* literal = std::get_if<uint64_t>(&c.rhs);
            return literal != nullptr && compare(*n, c.op, *literal);
        }
        if (const auto* bytes = std::get_if<std::string>(&*v)) {
            if (const auto* literal = std::get_if<std::string>(&c.rhs)) {
                return compare(*bytes, c.op, *literal);
            }
            return bytes->size() <= 8 &&
                   compare(bigEndian(*bytes), c.op, std::get<uint64_t>(c.rhs));
        }
        return false; // a set is only tested with `in`
    }

    bool membership(const Membership& m) const {
        const Value v = value(m.lhs);
        if (!v) {
            return false;
        }
        const auto contains = [&](uint64_t element) {
            for (const auto& literal : m.set) {
                const auto* n = std::get_if<uint64_t>(&literal);
                if (n != nullptr && *n == element) {
                    return true;
                }
            }
            return false;
        };
        if (const auto* n = std::get_if<uint64_t>(&*v)) {
            return contains(*n);
        }
        if (const auto* set = std::get_if<std::vector<uint64_t>>(&*v)) {
            for (const uint64_t element : *set) {
                if (contains(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    bool fieldComparison(const FieldComparison& c) const {
        const auto lhs = number(c.lhs);
        const auto rhs = number(c.rhs);
        if (!lhs || !rhs) {
            return false;
        }
        return compare(*lhs + c.lhsAddend, c.op, *rhs + c.rhsAddend);
    }
};

Value readMeta(const FieldInfo& field, const lbm_packet_meta& meta) {
    const auto* base = reinterpret_cast<const uint8_t*>(&meta);
    const std::size_t bytes = field.widthBits / 8;
    if (field.offset + bytes > sizeof(meta)) {
        return std::nullopt;
    }
    if (field.type == FieldType::Bytes) {
        return FieldValue{std::string(reinterpret_cast<const char*>(base + field.offset), bytes)};
    }
    // Host byte order, exactly what a BPF load from the context does.
    uint8_t b8 = 0;
    uint16_t b16 = 0;
    uint32_t b32 = 0;
    uint64_t b64 = 0;
    switch (bytes) {
    case 1:
        std::memcpy(&b8, base + field.offset, 1);
        return FieldValue{shiftAndMask(field, b8)};
    case 2:
        std::memcpy(&b16, base + field.offset, 2);
        return FieldValue{shiftAndMask(field, b16)};
    case 4:
        std::memcpy(&b32, base + field.offset, 4);
        return FieldValue{shiftAndMask(field, b32)};
    case 8:
        std::memcpy(&b64, base + field.offset, 8);
        return FieldValue{shiftAndMask(field, b64)};
    default:
        return std::nullopt;
    }
}

Value readPayload(const FieldInfo& field, std::span<const uint8_t> payload) {
    if (field.source == FieldSource::PayloadBytes) {
        if (field.offset > payload.size()) {
            return FieldValue{std::string()};
        }
        const auto rest = payload.subspan(field.offset);
        return FieldValue{std::string(reinterpret_cast<const char*>(rest.data()), rest.size())};
    }
    const std::size_t bytes = field.widthBits / 8;
    if (static_cast<std::size_t>(field.offset) + bytes > payload.size()) {
        return std::nullopt;
    }
    // Little-endian: USB and Bluetooth put multi-byte fields least significant byte first.
    uint64_t loaded = 0;
    for (std::size_t i = bytes; i-- > 0;) {
        loaded = (loaded << 8) | payload[field.offset + i];
    }
    return FieldValue{shiftAndMask(field, loaded)};
}

} // namespace

bool Interpreter::matches(const Expr& expr, const DeviceDescription& device,
                          const InterfaceDescription* interface) {
    const Evaluator evaluator([&](const FieldInfo& field) -> Value {
        if (field.source != FieldSource::Device) {
            return std::nullopt;
        }
        return deviceFieldValue(field.name, device, interface);
    });
    return evaluator.eval(expr);
}

bool Interpreter::matches(const Expr& expr, const lbm_packet_meta& meta,
                          std::span<const uint8_t> payload) {
    const Evaluator evaluator([&](const FieldInfo& field) -> Value {
        switch (field.source) {
        case FieldSource::Meta:
            return readMeta(field, meta);
        case FieldSource::Payload:
        case FieldSource::PayloadBytes:
            return readPayload(field, payload);
        case FieldSource::Device:
            return std::nullopt;
        }
        return std::nullopt;
    });
    return evaluator.eval(expr);
}

PacketVerdict Interpreter::evaluatePacket(const RuleFile& file, Subsystem subsystem,
                                          const lbm_packet_meta& meta,
                                          std::span<const uint8_t> payload) {
    for (std::size_t i = 0; i < file.rules.size(); ++i) {
        const Rule& rule = file.rules[i];
        if (rule.subsystem != subsystem || !rule.condition || rule.action == Action::Log ||
            rule.action == Action::Ask) {
            continue;
        }
        if (matches(*rule.condition, meta, payload)) {
            return {rule.action == Action::Drop, i};
        }
    }
    return {false, std::nullopt};
}

} // namespace mamori::lbm
