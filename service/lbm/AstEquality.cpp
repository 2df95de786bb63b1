#include "lbm/AstEquality.h"

#include "lbm/Overloaded.h"

namespace mamori::lbm {
namespace {

bool equalPtr(const ExprPtr& a, const ExprPtr& b) {
    if (!a || !b) {
        return !a && !b;
    }
    return AstEquality::equal(*a, *b);
}

// Compares two nodes already known to hold the same alternative.
struct SameKind {
    const decltype(Expr::node)& other;

    template <typename Node> const Node& peer() const { return std::get<Node>(other); }

    bool operator()(const Comparison& c) const {
        const auto& d = peer<Comparison>();
        return AstEquality::equal(c.lhs, d.lhs) && c.op == d.op && c.rhs == d.rhs;
    }
    bool operator()(const Membership& m) const {
        const auto& n = peer<Membership>();
        return AstEquality::equal(m.lhs, n.lhs) && m.set == n.set;
    }
    bool operator()(const FieldComparison& c) const {
        const auto& d = peer<FieldComparison>();
        return AstEquality::equal(c.lhs, d.lhs) && c.lhsAddend == d.lhsAddend && c.op == d.op &&
               AstEquality::equal(c.rhs, d.rhs) && c.rhsAddend == d.rhsAddend;
    }
    bool operator()(const Not& n) const { return equalPtr(n.operand, peer<Not>().operand); }
    bool operator()(const And& a) const {
        return equalPtr(a.lhs, peer<And>().lhs) && equalPtr(a.rhs, peer<And>().rhs);
    }
    bool operator()(const Or& o) const {
        return equalPtr(o.lhs, peer<Or>().lhs) && equalPtr(o.rhs, peer<Or>().rhs);
    }
    bool operator()(const Constant& c) const { return c.value == peer<Constant>().value; }
};

} // namespace

bool AstEquality::equal(const FieldRef& a, const FieldRef& b) {
    if (a.field != b.field || a.sliced != b.sliced) {
        return false;
    }
    return !a.sliced || (a.sliceBegin == b.sliceBegin && a.sliceEnd == b.sliceEnd);
}

bool AstEquality::equal(const Expr& a, const Expr& b) {
    if (a.node.index() != b.node.index()) {
        return false;
    }
    return std::visit(SameKind{b.node}, a.node);
}

bool AstEquality::equal(const Rule& a, const Rule& b) {
    return a.name == b.name && a.action == b.action && equalPtr(a.condition, b.condition);
}

bool AstEquality::equal(const RuleFile& a, const RuleFile& b) {
    if (a.rules.size() != b.rules.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.rules.size(); ++i) {
        if (!equal(a.rules[i], b.rules[i])) {
            return false;
        }
    }
    return true;
}

} // namespace mamori::lbm
