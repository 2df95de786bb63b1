// Simplifies a checked tree without changing what it matches: constants through !, && and
// ||, double negation, duplicate set members. Comparisons are never rewritten into their
// opposites, because `!(f == 1)` and `f != 1` differ when f lies outside the packet.
#pragma once

#include "lbm/Ast.h"

namespace mamori::lbm {

class ConstantFolder {
public:
    static ExprPtr fold(ExprPtr expr);
    static void fold(Rule& rule);
    static void fold(RuleFile& file);
};

} // namespace mamori::lbm
