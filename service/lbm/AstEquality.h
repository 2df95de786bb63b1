// Structural equality of trees, ignoring source positions: what "the round trip gives the same
// tree" means.
#pragma once

#include "lbm/Ast.h"

namespace mamori::lbm {

class AstEquality {
public:
    static bool equal(const Expr& a, const Expr& b);
    static bool equal(const Rule& a, const Rule& b);
    static bool equal(const RuleFile& a, const RuleFile& b);
    static bool equal(const FieldRef& a, const FieldRef& b);
};

} // namespace mamori::lbm
