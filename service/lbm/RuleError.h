// The one exception of the rule language: every syntax, include, type and evaluation error is
// a RuleError that knows where it happened, so that every front end (mamorictl, the devices
// engine, the fuzzer) can print `file:line:column: message` the same way.
#pragma once

#include "lbm/Ast.h"

#include <stdexcept>
#include <string>

namespace mamori::lbm {

class RuleError : public std::runtime_error {
public:
    RuleError(SourcePosition position, const std::string& message);

    const SourcePosition& position() const { return position_; }
    // The message without the position prefix that what() carries.
    const std::string& message() const { return message_; }

private:
    SourcePosition position_;
    std::string message_;
};

} // namespace mamori::lbm
