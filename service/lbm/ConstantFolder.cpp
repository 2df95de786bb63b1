#include "lbm/ConstantFolder.h"

#include <algorithm>

namespace mamori::lbm {
namespace {

const Constant* asConstant(const ExprPtr& expr) {
    return std::get_if<Constant>(&expr->node);
}

ExprPtr constant(bool value, SourcePosition position) {
    auto expr = std::make_unique<Expr>();
    expr->node = Constant{value};
    expr->position = std::move(position);
    return expr;
}

ExprPtr foldNot(ExprPtr expr) {
    auto& node = std::get<Not>(expr->node);
    node.operand = ConstantFolder::fold(std::move(node.operand));
    if (const auto* c = asConstant(node.operand)) {
        return constant(!c->value, expr->position);
    }
    // Negation is plain boolean negation of the operand's result (out-of-bounds already made
    // the operand false), so `!!x` is exactly `x`.
    if (auto* inner = std::get_if<Not>(&node.operand->node)) {
        return std::move(inner->operand);
    }
    return expr;
}

// `absorbing` decides the whole operation (false for &&, true for ||); the other constant
// is the identity and drops out. Operands have no side effects, so order does not matter.
template <typename Node> ExprPtr foldBinary(ExprPtr expr, bool absorbing) {
    auto& node = std::get<Node>(expr->node);
    node.lhs = ConstantFolder::fold(std::move(node.lhs));
    node.rhs = ConstantFolder::fold(std::move(node.rhs));
    const Constant* lhs = asConstant(node.lhs);
    const Constant* rhs = asConstant(node.rhs);
    if ((lhs != nullptr && lhs->value == absorbing) ||
        (rhs != nullptr && rhs->value == absorbing)) {
        return constant(absorbing, expr->position);
    }
    if (lhs != nullptr) {
        return std::move(node.rhs);
    }
    if (rhs != nullptr) {
        return std::move(node.lhs);
    }
    return expr;
}

ExprPtr foldMembership(ExprPtr expr) {
    auto& set = std::get<Membership>(expr->node).set;
    std::vector<Literal> unique;
    for (auto& literal : set) {
        if (std::find(unique.begin(), unique.end(), literal) == unique.end()) {
            unique.push_back(std::move(literal));
        }
    }
    set = std::move(unique);
    return expr;
}

} // namespace

ExprPtr ConstantFolder::fold(ExprPtr expr) {
    if (!expr) {
        return expr;
    }
    if (std::holds_alternative<Not>(expr->node)) {
        return foldNot(std::move(expr));
    }
    if (std::holds_alternative<And>(expr->node)) {
        return foldBinary<And>(std::move(expr), false);
    }
    if (std::holds_alternative<Or>(expr->node)) {
        return foldBinary<Or>(std::move(expr), true);
    }
    if (std::holds_alternative<Membership>(expr->node)) {
        return foldMembership(std::move(expr));
    }
    return expr;
}

void ConstantFolder::fold(Rule& rule) {
    rule.condition = fold(std::move(rule.condition));
}

void ConstantFolder::fold(RuleFile& file) {
    for (auto& rule : file.rules) {
        fold(rule);
    }
}

} // namespace mamori::lbm
