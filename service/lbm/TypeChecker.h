// Checks what the grammar cannot: literals against field types and widths, slice bounds,
// operators allowed per type, and one subsystem per rule. The Interpreter and the code
// generator rely on a checked tree and do not repeat these checks.
#pragma once

#include "lbm/Ast.h"

#include <optional>

namespace mamori::lbm {

class TypeChecker {
public:
    // Throws RuleError at the first offending field, literal or rule.
    static void check(const RuleFile& file);
    static void check(const Rule& rule);
    static void checkExpression(const Expr& expr);

    // The subsystem a (checked) expression talks about: UsbInterface when a device rule reads
    // any usb.interface.* field (it then decides per interface), std::nullopt when it reads no
    // field at all (`true`, or folded to a Constant).
    static std::optional<Subsystem> subsystemOf(const Expr& expr);

    // Largest value a Number field can hold after shift and mask.
    static uint64_t maxValue(const FieldInfo& field);
};

} // namespace mamori::lbm
