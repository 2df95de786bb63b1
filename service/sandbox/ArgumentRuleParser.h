// Parses the value of an [Arguments] entry:
//   rule      := condition ( "&&" condition )*
//   condition := ARG "in" "{" CONST ( "," CONST )* "}"
//              | ARG [ "&" CONST ] OP CONST            OP: == != < <= > >= (with "&": == only)
//              | ARG "prefix" /ABSOLUTE/PATH           (pointer content: notifier, TOCTOU-unsafe)
//   ARG       := a named argument of that syscall (socket: family, type, protocol; ...) | argN
//   CONST     := NUMBER | SYMBOL ( "|" SYMBOL )*       (AF_INET, CLONE_NEWUSER, O_CREAT, ...)
// Tokens are separated by spaces. Errors name the entry's file:line.
#pragma once

#include "sandbox/Profile.h"

#include <string>

namespace mamori::sandbox {

class ArgumentRuleParser {
public:
    static ArgumentRule parse(const std::string& syscall, const std::string& text,
                              const Origin& origin);
    // The named arguments the parser knows for a syscall, as "name(index)" text for messages.
    static std::string namedArguments(const std::string& syscall);
};

} // namespace mamori::sandbox
