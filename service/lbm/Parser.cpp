#include "lbm/Parser.h"

#include "lbm/Lexer.h"
#include "lbm/RuleError.h"
#include "lbm/TypeChecker.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace mamori::lbm {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxSliceBound = 0xffffffff;
constexpr uint64_t kMaxAddend = 0xffffffff;

struct Parsed {
    ExprPtr expr;
    int height = 1;
};

ExprPtr makeExpr(auto node, SourcePosition position) {
    auto expr = std::make_unique<Expr>();
    expr->node = std::move(node);
    expr->position = std::move(position);
    return expr;
}

std::optional<Action> actionFromName(std::string_view name) {
    if (name == "drop") {
        return Action::Drop;
    }
    if (name == "allow") {
        return Action::Allow;
    }
    if (name == "ask") {
        return Action::Ask;
    }
    if (name == "log") {
        return Action::Log;
    }
    return std::nullopt;
}

std::optional<CompareOp> compareOp(TokenKind kind) {
    switch (kind) {
    case TokenKind::Eq:
        return CompareOp::Eq;
    case TokenKind::Ne:
        return CompareOp::Ne;
    case TokenKind::Lt:
        return CompareOp::Lt;
    case TokenKind::Le:
        return CompareOp::Le;
    case TokenKind::Gt:
        return CompareOp::Gt;
    case TokenKind::Ge:
        return CompareOp::Ge;
    default:
        return std::nullopt;
    }
}

std::string inQuotes(std::string_view text) {
    return "'" + std::string(text) + "'";
}

// State shared by a file and everything it includes.
struct Session {
    const ParseOptions& options;
    RuleFile file;
    std::vector<fs::path> includeStack; // files being read, outermost first
    std::map<std::string, SourcePosition, std::less<>> ruleNames;
};

// Parses the tokens of one file; includes recurse with a new TokenParser on the same Session.
class TokenParser {
public:
    TokenParser(Session& session, std::vector<Token> tokens)
        : session_(session)
        , tokens_(std::move(tokens)) {}

    void parseItems() {
        while (peek().kind != TokenKind::End) {
            parseItem();
        }
    }

    ExprPtr parseSingleExpression() {
        ExprPtr expr = parseExpr("at start of expression").expr;
        expectEnd("after expression");
        return expr;
    }

private:
    Session& session_;
    std::vector<Token> tokens_;
    std::size_t index_ = 0;
    int nesting_ = 0;

    const Token& peek(std::size_t ahead = 0) const {
        return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
    }
    const Token& take() {
        const Token& token = peek();
        if (token.kind != TokenKind::End) {
            ++index_;
        }
        return token;
    }
    bool isWord(std::string_view word, std::size_t ahead = 0) const {
        return peek(ahead).kind == TokenKind::Identifier && peek(ahead).text == word;
    }

    [[noreturn]] static void fail(const SourcePosition& at, const std::string& message) {
        throw RuleError(at, message);
    }
    [[noreturn]] void unexpected(const std::string& expected, const std::string& context) const {
        fail(peek().position,
             "expected " + expected + " " + context + ", got " + describeToken(peek()));
    }

    const Token& expect(TokenKind kind, const std::string& context) {
        if (peek().kind != kind) {
            unexpected(inQuotes(tokenSpelling(kind)), context);
        }
        return take();
    }

    void expectEnd(const std::string& context) {
        if (peek().kind != TokenKind::End) {
            unexpected("end of input", context);
        }
    }

    void parseItem() {
        if (isWord("include")) {
            parseInclude();
            return;
        }
        if (isWord("rule")) {
            parseRuleBlock();
            return;
        }
        const TokenKind kind = peek().kind;
        if (kind != TokenKind::Identifier && kind != TokenKind::LParen && kind != TokenKind::Bang) {
            unexpected("'rule', 'include' or an expression", "at top level");
        }
        const SourcePosition at = peek().position;
        ExprPtr condition = parseExpr("at start of expression").expr;
        addRule("rule-" + std::to_string(session_.file.rules.size() + 1), Action::Drop,
                std::move(condition), at);
    }

    void addRule(std::string name, Action action, ExprPtr condition, SourcePosition at) {
        Rule rule;
        rule.name = std::move(name);
        rule.action = action;
        rule.subsystem = TypeChecker::subsystemOf(*condition);
        rule.condition = std::move(condition);
        rule.position = std::move(at);
        const auto [it, inserted] = session_.ruleNames.emplace(rule.name, rule.position);
        if (!inserted) {
            const auto& first = it->second;
            fail(rule.position, "duplicate rule name " + inQuotes(rule.name) + " (first at " +
                                    first.file + ":" + std::to_string(first.line) + ")");
        }
        session_.file.rules.push_back(std::move(rule));
    }

    void parseRuleBlock() {
        const SourcePosition at = take().position;
        if (peek().kind != TokenKind::Identifier) {
            unexpected("a rule name", "after 'rule'");
        }
        std::string name = take().text;
        const auto action = actionFromName(peek().text);
        if (peek().kind != TokenKind::Identifier || !action) {
            unexpected("an action (drop, allow, ask or log)", "after rule name " + inQuotes(name));
        }
        take();
        expect(TokenKind::LBrace, "after the rule's action");
        ExprPtr condition = parseExpr("after '{'").expr;
        expect(TokenKind::RBrace, "after rule condition");
        addRule(std::move(name), *action, std::move(condition), at);
    }

    void parseInclude() {
        const SourcePosition at = take().position;
        if (peek().kind != TokenKind::String) {
            unexpected("a file name string", "after 'include'");
        }
        const std::string target = take().text;
        const ParseOptions& options = session_.options;
        if (!options.loadInclude) {
            fail(at, "include is not allowed here");
        }
        const fs::path including(at.file);
        const fs::path path =
            (fs::path(target).is_absolute() ? fs::path(target) : including.parent_path() / target)
                .lexically_normal();
        auto& stack = session_.includeStack;
        if (std::find(stack.begin(), stack.end(), path) != stack.end()) {
            std::string chain;
            for (const auto& file : stack) {
                chain += file.string() + " -> ";
            }
            fail(at, "include loop: " + chain + path.string());
        }
        if (static_cast<int>(stack.size()) > options.maxIncludeDepth) {
            fail(at,
                 "includes nested more than " + std::to_string(options.maxIncludeDepth) + " deep");
        }
        const auto text = options.loadInclude(path);
        if (!text) {
            fail(at, "cannot read included file " + inQuotes(target) + " (" + path.string() + ")");
        }
        stack.push_back(path);
        TokenParser(session_, Lexer::tokenize(*text, path.string())).parseItems();
        stack.pop_back();
    }

    void checkHeight(int height, const SourcePosition& at) const {
        if (height > session_.options.maxDepth) {
            fail(at, "expression nested too deeply (more than " +
                         std::to_string(session_.options.maxDepth) + " levels)");
        }
    }

    template <typename Node>
    Parsed parseChain(TokenKind op, const std::string& context, auto parseOperand) {
        Parsed lhs = parseOperand(context);
        while (peek().kind == op) {
            const std::string after = "after " + inQuotes(tokenSpelling(op));
            const SourcePosition at = take().position;
            Parsed rhs = parseOperand(after);
            const int height = std::max(lhs.height, rhs.height) + 1;
            checkHeight(height, at);
            SourcePosition start = lhs.expr->position;
            lhs = {makeExpr(Node{std::move(lhs.expr), std::move(rhs.expr)}, std::move(start)),
                   height};
        }
        return lhs;
    }

    Parsed parseExpr(const std::string& context) {
        return parseChain<Or>(TokenKind::OrOr, context,
                              [this](const std::string& c) { return parseAnd(c); });
    }

    Parsed parseAnd(const std::string& context) {
        return parseChain<And>(TokenKind::AndAnd, context,
                               [this](const std::string& c) { return parseUnary(c); });
    }

    void enterNesting(const SourcePosition& at) {
        ++nesting_;
        checkHeight(nesting_, at);
    }

    Parsed parseUnary(const std::string& context) {
        if (peek().kind == TokenKind::Bang) {
            const SourcePosition at = take().position;
            enterNesting(at);
            Parsed operand = parseUnary("after '!'");
            --nesting_;
            checkHeight(operand.height + 1, at);
            return {makeExpr(Not{std::move(operand.expr)}, at), operand.height + 1};
        }
        if (peek().kind == TokenKind::LParen) {
            const SourcePosition at = take().position;
            enterNesting(at);
            Parsed inner = parseExpr("after '('");
            expect(TokenKind::RParen, "after expression");
            --nesting_;
            return inner;
        }
        if (isWord("true") || isWord("false")) {
            const Token& token = take();
            return {makeExpr(Constant{token.text == "true"}, token.position), 1};
        }
        if (peek().kind == TokenKind::Identifier) {
            return {parseTest(), 1};
        }
        unexpected("a field, '(', '!', 'true' or 'false'", context);
    }

    struct Operand {
        FieldRef field;
        uint64_t addend = 0;
        std::optional<SourcePosition> plus;
    };

    uint64_t takeNumber(uint64_t max, const std::string& what, const std::string& context) {
        if (peek().kind != TokenKind::Number) {
            unexpected("a number", context);
        }
        const Token& token = take();
        if (token.number > max) {
            fail(token.position,
                 what + " " + token.text + " is larger than " + std::to_string(max));
        }
        return token.number;
    }

    Operand parseOperand() {
        const Token& name = take();
        Operand operand;
        operand.field.position = name.position;
        operand.field.field = findField(name.text);
        if (operand.field.field == nullptr) {
            fail(name.position, "unknown field " + inQuotes(name.text));
        }
        if (peek().kind == TokenKind::LBracket) {
            take();
            const std::string after = "in slice of " + inQuotes(name.text);
            operand.field.sliced = true;
            operand.field.sliceBegin =
                static_cast<uint32_t>(takeNumber(kMaxSliceBound, "slice start", after));
            expect(TokenKind::Colon, "after slice start");
            operand.field.sliceEnd =
                static_cast<uint32_t>(takeNumber(kMaxSliceBound, "slice end", after));
            expect(TokenKind::RBracket, "after slice end");
        }
        if (peek().kind == TokenKind::Plus) {
            operand.plus = take().position;
            operand.addend = takeNumber(kMaxAddend, "addend", "after '+'");
        }
        return operand;
    }

    Literal parseLiteral(const std::string& context) {
        if (peek().kind == TokenKind::Number) {
            return take().number;
        }
        if (peek().kind == TokenKind::String) {
            return take().text;
        }
        unexpected("a number or string", context);
    }

    ExprPtr parseTest() {
        const std::string fieldName = peek().text;
        Operand lhs = parseOperand();
        const SourcePosition at = lhs.field.position;
        if (isWord("in")) {
            rejectAddend(lhs);
            take();
            return makeExpr(Membership{std::move(lhs.field), parseSet()}, at);
        }
        const auto op = compareOp(peek().kind);
        if (!op) {
            unexpected("a comparison operator or 'in'", "after " + inQuotes(fieldName));
        }
        const std::string after = "after " + inQuotes(tokenSpelling(take().kind));
        if (peek().kind == TokenKind::Identifier) {
            Operand rhs = parseOperand();
            return makeExpr(FieldComparison{std::move(lhs.field), lhs.addend, *op,
                                            std::move(rhs.field), rhs.addend},
                            at);
        }
        rejectAddend(lhs);
        Literal rhs = parseLiteral(after);
        return makeExpr(Comparison{std::move(lhs.field), *op, std::move(rhs)}, at);
    }

    static void rejectAddend(const Operand& operand) {
        if (operand.plus) {
            fail(*operand.plus, "'+ N' is only allowed when comparing two fields");
        }
    }

    std::vector<Literal> parseSet() {
        expect(TokenKind::LBrace, "after 'in'");
        std::vector<Literal> set;
        set.push_back(parseLiteral("after '{'"));
        while (peek().kind == TokenKind::Comma) {
            take();
            set.push_back(parseLiteral("after ','"));
        }
        expect(TokenKind::RBrace, "after set members");
        return set;
    }
};

} // namespace

std::optional<std::string> loadIncludeFromDisk(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(path, ec)) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

RuleFile Parser::parse(std::string_view text, const std::string& file,
                       const ParseOptions& options) {
    Session session{options, {}, {std::filesystem::path(file).lexically_normal()}, {}};
    TokenParser(session, Lexer::tokenize(text, file)).parseItems();
    return std::move(session.file);
}

RuleFile Parser::parseFile(const std::filesystem::path& path, const ParseOptions& options) {
    const auto text = loadIncludeFromDisk(path);
    if (!text) {
        throw RuleError({path.string(), 0, 0}, "cannot read rule file");
    }
    return parse(*text, path.string(), options);
}

ExprPtr Parser::parseExpression(std::string_view text, const std::string& file,
                                const ParseOptions& options) {
    Session session{options, {}, {}, {}};
    return TokenParser(session, Lexer::tokenize(text, file)).parseSingleExpression();
}

} // namespace mamori::lbm
