#include "lbm/RuleError.h"

namespace mamori::lbm {
namespace {

std::string describe(const SourcePosition& position, const std::string& message) {
    return position.file + ":" + std::to_string(position.line) + ":" +
           std::to_string(position.column) + ": " + message;
}

} // namespace

RuleError::RuleError(SourcePosition position, const std::string& message)
    : std::runtime_error(describe(position, message))
    , position_(std::move(position))
    , message_(message) {}

} // namespace mamori::lbm
