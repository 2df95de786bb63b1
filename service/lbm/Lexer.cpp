#include "lbm/Lexer.h"

#include "common/Hex.h"
#include "lbm/RuleError.h"

#include <cctype>

namespace mamori::lbm {
namespace {

bool isIdentifierStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool isIdentifierChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

class Scanner {
public:
    Scanner(std::string_view text, const std::string& file)
        : text_(text)
        , file_(file) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        while (true) {
            skipSpaceAndComments();
            Token token = next();
            const bool end = token.kind == TokenKind::End;
            tokens.push_back(std::move(token));
            if (end) {
                return tokens;
            }
        }
    }

private:
    std::string_view text_;
    const std::string& file_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int column_ = 1;

    bool atEnd() const { return pos_ >= text_.size(); }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    SourcePosition here() const { return {file_, line_, column_}; }

    char advance() {
        const char c = text_[pos_++];
        if (c == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        return c;
    }

    [[noreturn]] void fail(const SourcePosition& at, const std::string& message) const {
        throw RuleError(at, message);
    }

    void skipSpaceAndComments() {
        while (!atEnd()) {
            const char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                advance();
            } else if (c == '#' || (c == '/' && peek(1) == '/')) {
                while (!atEnd() && peek() != '\n') {
                    advance();
                }
            } else {
                return;
            }
        }
    }

    Token make(TokenKind kind, const SourcePosition& at, std::size_t length) {
        Token token{kind, std::string(text_.substr(pos_, length)), 0, at};
        for (std::size_t i = 0; i < length; ++i) {
            advance();
        }
        return token;
    }

    Token next() {
        const SourcePosition at = here();
        if (atEnd()) {
            return {TokenKind::End, "", 0, at};
        }
        const char c = peek();
        if (isIdentifierStart(c)) {
            return identifier(at);
        }
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            return number(at);
        }
        if (c == '"') {
            return string(at);
        }
        return punctuation(at);
    }

    Token identifier(const SourcePosition& at) {
        std::size_t length = 0;
        while (pos_ + length < text_.size() && isIdentifierChar(text_[pos_ + length])) {
            ++length;
        }
        return make(TokenKind::Identifier, at, length);
    }

    Token number(const SourcePosition& at) {
        const bool hex = peek() == '0' && (peek(1) == 'x' || peek(1) == 'X');
        const unsigned base = hex ? 16 : 10;
        std::size_t length = hex ? 2 : 0;
        uint64_t value = 0;
        bool overflow = false;
        while (pos_ + length < text_.size()) {
            const int digit = hexDigitValue(text_[pos_ + length]);
            if (digit < 0 || static_cast<unsigned>(digit) >= base) {
                break;
            }
            if (value > (UINT64_MAX - static_cast<uint64_t>(digit)) / base) {
                overflow = true;
            }
            value = value * base + static_cast<uint64_t>(digit);
            ++length;
        }
        if (hex && length == 2) {
            fail(at, "expected hex digits after '0x'");
        }
        if (pos_ + length < text_.size() && isIdentifierChar(text_[pos_ + length]) &&
            text_[pos_ + length] != '.') {
            fail(at, "invalid character '" + std::string(1, text_[pos_ + length]) + "' in number");
        }
        if (overflow) {
            fail(at,
                 "number " + std::string(text_.substr(pos_, length)) + " does not fit in 64 bits");
        }
        Token token = make(TokenKind::Number, at, length);
        token.number = value;
        return token;
    }

    Token string(const SourcePosition& at) {
        advance(); // opening quote
        std::string value;
        while (true) {
            if (atEnd() || peek() == '\n') {
                fail(at, "unterminated string (a string ends at the same line)");
            }
            const char c = advance();
            if (c == '"') {
                return {TokenKind::String, std::move(value), 0, at};
            }
            if (c != '\\') {
                value += c;
                continue;
            }
            value += escape();
        }
    }

    char escape() {
        const SourcePosition at{file_, line_, column_ - 1};
        const char c = atEnd() ? '\0' : peek();
        if (c == '"' || c == '\\') {
            advance();
            return c;
        }
        if (c == 'x') {
            advance();
            const int high = hexDigitValue(peek());
            const int low = high < 0 ? -1 : hexDigitValue(peek(1));
            if (low < 0) {
                fail(at, "expected two hex digits after '\\x'");
            }
            advance();
            advance();
            return static_cast<char>(high * 16 + low);
        }
        fail(at, R"(unknown escape in string (use \", \\ or \xNN))");
    }

    Token punctuation(const SourcePosition& at) {
        const char c = peek();
        const char d = peek(1);
        if (c == '&' && d == '&') {
            return make(TokenKind::AndAnd, at, 2);
        }
        if (c == '|' && d == '|') {
            return make(TokenKind::OrOr, at, 2);
        }
        if (d == '=' && (c == '=' || c == '!' || c == '<' || c == '>')) {
            const TokenKind kind = c == '='   ? TokenKind::Eq
                                   : c == '!' ? TokenKind::Ne
                                   : c == '<' ? TokenKind::Le
                                              : TokenKind::Ge;
            return make(kind, at, 2);
        }
        switch (c) {
        case '(':
            return make(TokenKind::LParen, at, 1);
        case ')':
            return make(TokenKind::RParen, at, 1);
        case '{':
            return make(TokenKind::LBrace, at, 1);
        case '}':
            return make(TokenKind::RBrace, at, 1);
        case '[':
            return make(TokenKind::LBracket, at, 1);
        case ']':
            return make(TokenKind::RBracket, at, 1);
        case ':':
            return make(TokenKind::Colon, at, 1);
        case ',':
            return make(TokenKind::Comma, at, 1);
        case '+':
            return make(TokenKind::Plus, at, 1);
        case '!':
            return make(TokenKind::Bang, at, 1);
        case '<':
            return make(TokenKind::Lt, at, 1);
        case '>':
            return make(TokenKind::Gt, at, 1);
        default:
            break;
        }
        if (c == '=') {
            fail(at, "unexpected '=' (comparison is '==')");
        }
        if (c == '&' || c == '|') {
            fail(at, std::string("unexpected '") + c + "' (did you mean '" + c + c + "'?)");
        }
        const auto byte = static_cast<unsigned char>(c);
        if (std::isprint(byte) != 0) {
            fail(at, std::string("unexpected character '") + c + "'");
        }
        static constexpr std::string_view digits = "0123456789abcdef";
        fail(at, std::string("unexpected byte 0x") + digits[byte >> 4] + digits[byte & 0xf]);
    }
};

} // namespace

std::vector<Token> Lexer::tokenize(std::string_view text, const std::string& file) {
    return Scanner(text, file).run();
}

std::string_view tokenSpelling(TokenKind kind) {
    switch (kind) {
    case TokenKind::Identifier:
        return "identifier";
    case TokenKind::Number:
        return "number";
    case TokenKind::String:
        return "string";
    case TokenKind::LParen:
        return "(";
    case TokenKind::RParen:
        return ")";
    case TokenKind::LBrace:
        return "{";
    case TokenKind::RBrace:
        return "}";
    case TokenKind::LBracket:
        return "[";
    case TokenKind::RBracket:
        return "]";
    case TokenKind::Colon:
        return ":";
    case TokenKind::Comma:
        return ",";
    case TokenKind::Plus:
        return "+";
    case TokenKind::Bang:
        return "!";
    case TokenKind::AndAnd:
        return "&&";
    case TokenKind::OrOr:
        return "||";
    case TokenKind::Eq:
        return "==";
    case TokenKind::Ne:
        return "!=";
    case TokenKind::Lt:
        return "<";
    case TokenKind::Le:
        return "<=";
    case TokenKind::Gt:
        return ">";
    case TokenKind::Ge:
        return ">=";
    case TokenKind::End:
        return "end of input";
    }
    return "?";
}

std::string describeToken(const Token& token) {
    switch (token.kind) {
    case TokenKind::End:
        return "end of input";
    case TokenKind::String:
        return "string";
    case TokenKind::Identifier:
    case TokenKind::Number:
        return "'" + token.text + "'";
    default:
        return "'" + std::string(tokenSpelling(token.kind)) + "'";
    }
}

} // namespace mamori::lbm
