// Splits rule text into tokens. Identifiers include dots and dashes so that field names
// (`bt.l2cap.sig.cmd.code`) and rule names (`badusb-hid`) are single tokens; the language has
// no minus operator, so a dash can never be meant as one.
#pragma once

#include "lbm/Ast.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::lbm {

enum class TokenKind {
    Identifier,
    Number,
    String,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    Comma,
    Plus,
    Bang,
    AndAnd,
    OrOr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    End,
};

struct Token {
    TokenKind kind = TokenKind::End;
    std::string text;    // identifier text, the decoded string, or the number as written
    uint64_t number = 0; // Number tokens
    SourcePosition position;
};

class Lexer {
public:
    // Throws RuleError (unterminated string, bad escape, number too large, stray character).
    static std::vector<Token> tokenize(std::string_view text, const std::string& file);
};

// How a token is shown in messages: `'&&'`, `'usb.idVendor'`, `end of input`.
std::string describeToken(const Token& token);
std::string_view tokenSpelling(TokenKind kind);

} // namespace mamori::lbm
