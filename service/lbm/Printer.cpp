#include "lbm/Printer.h"

#include "lbm/Overloaded.h"

#include <string_view>

namespace mamori::lbm {
namespace {

// Binding strength, loosest first; a child printed where a stronger one is expected gets
// parentheses, so the printed text parses back to the same left-leaning tree.
enum Level { OrLevel = 1, AndLevel = 2, UnaryLevel = 3, AtomLevel = 4 };

std::string hexNumber(uint64_t value) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[value & 0xf]);
        value >>= 4;
    } while (value != 0);
    return "0x" + out;
}

std::string number(uint64_t value) {
    return value < 10 ? std::to_string(value) : hexNumber(value);
}

std::string escapeString(const std::string& text) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte >= 0x7f) {
            out += "\\x";
            out += digits[byte >> 4];
            out += digits[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string operand(const FieldRef& field, uint64_t addend) {
    std::string out = Printer::print(field);
    if (addend != 0) {
        out += " + " + number(addend);
    }
    return out;
}

Level levelOf(const Expr& expr) {
    if (std::holds_alternative<Or>(expr.node)) {
        return OrLevel;
    }
    if (std::holds_alternative<And>(expr.node)) {
        return AndLevel;
    }
    if (std::holds_alternative<Not>(expr.node)) {
        return UnaryLevel;
    }
    return AtomLevel;
}

std::string printAt(const Expr& expr, Level minimum);

std::string printNode(const Expr& expr) {
    return std::visit(
        Overloaded{
            [](const Comparison& c) {
                return Printer::print(c.lhs) + " " + std::string(compareOpSpelling(c.op)) + " " +
                       Printer::print(c.rhs);
            },
            [](const Membership& m) {
                std::string out = Printer::print(m.lhs) + " in {";
                for (std::size_t i = 0; i < m.set.size(); ++i) {
                    out += (i == 0 ? "" : ", ") + Printer::print(m.set[i]);
                }
                return out + "}";
            },
            [](const FieldComparison& c) {
                return operand(c.lhs, c.lhsAddend) + " " + std::string(compareOpSpelling(c.op)) +
                       " " + operand(c.rhs, c.rhsAddend);
            },
            [](const Not& n) { return "!" + printAt(*n.operand, UnaryLevel); },
            [](const And& a) {
                return printAt(*a.lhs, AndLevel) + " && " + printAt(*a.rhs, UnaryLevel);
            },
            [](const Or& o) {
                return printAt(*o.lhs, OrLevel) + " || " + printAt(*o.rhs, AndLevel);
            },
            [](const Constant& c) { return std::string(c.value ? "true" : "false"); },
        },
        expr.node);
}

std::string printAt(const Expr& expr, Level minimum) {
    std::string text = printNode(expr);
    return levelOf(expr) < minimum ? "(" + text + ")" : text;
}

} // namespace

std::string_view actionName(Action action) {
    switch (action) {
    case Action::Drop:
        return "drop";
    case Action::Allow:
        return "allow";
    case Action::Ask:
        return "ask";
    case Action::Log:
        return "log";
    }
    return "?";
}

std::string_view compareOpSpelling(CompareOp op) {
    switch (op) {
    case CompareOp::Eq:
        return "==";
    case CompareOp::Ne:
        return "!=";
    case CompareOp::Lt:
        return "<";
    case CompareOp::Le:
        return "<=";
    case CompareOp::Gt:
        return ">";
    case CompareOp::Ge:
        return ">=";
    }
    return "?";
}

std::string Printer::print(const Literal& literal) {
    if (const auto* value = std::get_if<uint64_t>(&literal)) {
        return number(*value);
    }
    return escapeString(std::get<std::string>(literal));
}

std::string Printer::print(const FieldRef& field) {
    std::string out = field.field == nullptr ? "<no field>" : std::string(field.field->name);
    if (field.sliced) {
        out += "[" + std::to_string(field.sliceBegin) + ":" + std::to_string(field.sliceEnd) + "]";
    }
    return out;
}

std::string Printer::print(const Expr& expr) {
    return printAt(expr, OrLevel);
}

std::string Printer::print(const Rule& rule) {
    const std::string condition = rule.condition ? print(*rule.condition) : "false";
    return "rule " + rule.name + " " + std::string(actionName(rule.action)) + " { " + condition +
           " }";
}

std::string Printer::print(const RuleFile& file) {
    std::string out;
    for (const auto& rule : file.rules) {
        out += print(rule) + "\n";
    }
    return out;
}

} // namespace mamori::lbm
