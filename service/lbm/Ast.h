// The syntax tree of Mamori's peripheral rule language (see docs/lbm-language.md). A rule file
// is a list of rules; each rule has a name, an action and one boolean expression; the
// expression is true when the rule matches (LBMTOOL's "true = drop" is a rule whose action is
// Drop). Produced by the Parser, checked by the TypeChecker, then consumed by the Interpreter
// (device descriptions and packets in user space) and the eBPF CodeGenerator (packets in the
// kernel).
#pragma once

#include "lbm/Fields.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mamori::lbm {

struct SourcePosition {
    std::string file;
    int line = 0;
    int column = 0;
};

enum class Action { Drop, Allow, Ask, Log };

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };

// A literal: an unsigned number (decimal or 0x hex) or a "string" (also used for byte strings
// written with \xNN escapes).
using Literal = std::variant<uint64_t, std::string>;

// `field` or `field[begin:end]` (bytes begin..end-1; only on String/Bytes fields).
struct FieldRef {
    const FieldInfo* field = nullptr;
    bool sliced = false;
    uint32_t sliceBegin = 0;
    uint32_t sliceEnd = 0;
    SourcePosition position;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Comparison {
    FieldRef lhs;
    CompareOp op = CompareOp::Eq;
    Literal rhs;
};

// `field in {a, b, c}`: true when the field equals any of the literals. On a NumberSet field
// (usb.interface_classes) true when any element of the set equals any of the literals.
struct Membership {
    FieldRef lhs;
    std::vector<Literal> set;
};

struct Not {
    ExprPtr operand;
};

struct And {
    ExprPtr lhs;
    ExprPtr rhs;
};

struct Or {
    ExprPtr lhs;
    ExprPtr rhs;
};

// `lhs [+ n] op rhs [+ n]` between two Number fields of the same rule, e.g.
// `bt.hci.event.len + 2 > bt.hci.len` (an HCI event announcing more bytes than the frame has).
// Values are widened to 64 bits before the addends are added, so nothing wraps (addends are at
// most 0xffffffff). False when either field has no value (outside the packet / absent).
struct FieldComparison {
    FieldRef lhs;
    uint64_t lhsAddend = 0;
    CompareOp op = CompareOp::Eq;
    FieldRef rhs;
    uint64_t rhsAddend = 0;
};

// Left after constant folding when a condition is decided at compile time; also written
// directly as `true` / `false` (e.g. a catch-all last rule `rule rest allow { true }`).
struct Constant {
    bool value = false;
};

struct Expr {
    std::variant<Comparison, Membership, Not, And, Or, Constant, FieldComparison> node;
    SourcePosition position;
};

struct Rule {
    std::string name; // "rule-<n>" for a bare LBMTOOL expression
    Action action = Action::Drop;
    ExprPtr condition;
    SourcePosition position;
    // What the rule talks about, set by the Parser from the fields it reads (before folding
    // can remove them): a packet subsystem for packet rules, UsbInterface for device rules
    // that read any usb.interface.* field (they decide per interface), UsbDevice for other
    // device rules, std::nullopt when it reads no field (`true`/`false`: a device rule).
    std::optional<Subsystem> subsystem;
};

struct RuleFile {
    std::vector<Rule> rules; // includes already expanded, in file order
};

} // namespace mamori::lbm
