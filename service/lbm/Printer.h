// Prints a tree as canonical rule text: parsing the output gives an equal tree (see
// AstEquality.h), which the round-trip tests and the fuzzer check.
#pragma once

#include "lbm/Ast.h"

#include <string>

namespace mamori::lbm {

class Printer {
public:
    static std::string print(const RuleFile& file); // every rule as `rule NAME ACTION { ... }`
    static std::string print(const Rule& rule);
    static std::string print(const Expr& expr);
    static std::string print(const Literal& literal);
    static std::string print(const FieldRef& field);
};

std::string_view actionName(Action action);
std::string_view compareOpSpelling(CompareOp op);

} // namespace mamori::lbm
