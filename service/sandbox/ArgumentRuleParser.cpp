#include "sandbox/ArgumentRuleParser.h"

#include "common/KeyFile.h"

#include <array>
#include <charconv>
#include <fcntl.h>
#include <sched.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/socket.h>
#include <vector>

namespace mamori::sandbox {
namespace {

// `wide` marks 64-bit arguments. For int arguments the kernel ignores the register's upper
// half, which a program can fill freely: only comparisons that fail closed on such garbage
// (==, in, masked ==) are sound there, so the others are refused.
struct NamedArg {
    std::string_view syscall;
    std::string_view name;
    unsigned index;
    bool wide;
    bool pointer;
};

constexpr std::array kNamedArgs = {
    NamedArg{"socket", "family", 0, false, false},
    NamedArg{"socket", "type", 1, false, false},
    NamedArg{"socket", "protocol", 2, false, false},
    NamedArg{"socketpair", "family", 0, false, false},
    NamedArg{"socketpair", "type", 1, false, false},
    NamedArg{"clone", "flags", 0, true, false},
    NamedArg{"unshare", "flags", 0, false, false},
    NamedArg{"setns", "nstype", 1, false, false},
    NamedArg{"openat", "dirfd", 0, false, false},
    NamedArg{"openat", "path", 1, true, true},
    NamedArg{"openat", "flags", 2, false, false},
    NamedArg{"open", "path", 0, true, true},
    NamedArg{"open", "flags", 1, false, false},
    NamedArg{"execve", "path", 0, true, true},
    NamedArg{"ioctl", "request", 1, true, false},
    NamedArg{"prctl", "option", 0, false, false},
    NamedArg{"mmap", "prot", 2, false, false},
    NamedArg{"mmap", "flags", 3, false, false},
    NamedArg{"mprotect", "prot", 2, false, false},
    NamedArg{"kill", "sig", 1, false, false},
    NamedArg{"personality", "persona", 0, false, false},
    NamedArg{"keyctl", "operation", 0, false, false},
    NamedArg{"fcntl", "cmd", 1, false, false},
};

struct Symbol {
    std::string_view name;
    std::uint64_t value;
};

constexpr std::array kSymbols = {
    Symbol{"AF_UNIX", AF_UNIX},
    Symbol{"AF_LOCAL", AF_LOCAL},
    Symbol{"AF_INET", AF_INET},
    Symbol{"AF_INET6", AF_INET6},
    Symbol{"AF_NETLINK", AF_NETLINK},
    Symbol{"AF_PACKET", AF_PACKET},
    Symbol{"AF_BLUETOOTH", AF_BLUETOOTH},
    Symbol{"AF_ALG", AF_ALG},
    Symbol{"AF_VSOCK", AF_VSOCK},
    Symbol{"SOCK_STREAM", SOCK_STREAM},
    Symbol{"SOCK_DGRAM", SOCK_DGRAM},
    Symbol{"SOCK_RAW", SOCK_RAW},
    Symbol{"SOCK_SEQPACKET", SOCK_SEQPACKET},
    Symbol{"SOCK_NONBLOCK", SOCK_NONBLOCK},
    Symbol{"SOCK_CLOEXEC", SOCK_CLOEXEC},
    Symbol{"CLONE_NEWUSER", CLONE_NEWUSER},
    Symbol{"CLONE_NEWNS", CLONE_NEWNS},
    Symbol{"CLONE_NEWNET", CLONE_NEWNET},
    Symbol{"CLONE_NEWPID", CLONE_NEWPID},
    Symbol{"CLONE_NEWUTS", CLONE_NEWUTS},
    Symbol{"CLONE_NEWIPC", CLONE_NEWIPC},
    Symbol{"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    Symbol{"CLONE_THREAD", CLONE_THREAD},
    Symbol{"CLONE_VM", CLONE_VM},
    Symbol{"O_RDONLY", O_RDONLY},
    Symbol{"O_WRONLY", O_WRONLY},
    Symbol{"O_RDWR", O_RDWR},
    Symbol{"O_ACCMODE", O_ACCMODE},
    Symbol{"O_CREAT", O_CREAT},
    Symbol{"O_TRUNC", O_TRUNC},
    Symbol{"PROT_READ", PROT_READ},
    Symbol{"PROT_WRITE", PROT_WRITE},
    Symbol{"PROT_EXEC", PROT_EXEC},
    Symbol{"TIOCSTI", 0x5412},
    Symbol{"KEYCTL_JOIN_SESSION_KEYRING", 1},
};

class Context {
public:
    Context(std::string syscall, Origin origin)
        : syscall_(std::move(syscall))
        , origin_(std::move(origin)) {}

    [[noreturn]] void fail(const std::string& message) const {
        throw KeyFileError(origin_.file, origin_.line, syscall_ + ": " + message);
    }

    NamedArg argument(const std::string& name) const {
        for (const auto& arg : kNamedArgs) {
            if (arg.syscall == syscall_ && arg.name == name) {
                return arg;
            }
        }
        if (name.size() == 4 && name.starts_with("arg") && name[3] >= '0' && name[3] <= '5') {
            return {syscall_, "", static_cast<unsigned>(name[3] - '0'), true, false};
        }
        fail("unknown argument '" + name + "'" + known());
    }

    std::uint64_t constant(const std::string& text) const {
        std::uint64_t value = 0;
        std::string_view rest(text);
        while (!rest.empty()) {
            const auto bar = rest.find('|');
            value |= term(rest.substr(0, bar));
            rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
        }
        if (text.empty()) {
            fail("missing value");
        }
        return value;
    }

private:
    std::string known() const {
        const std::string names = ArgumentRuleParser::namedArguments(syscall_);
        return names.empty() ? " (use arg0..arg5)" : " (known: " + names + ", arg0..arg5)";
    }

    std::uint64_t term(std::string_view text) const {
        for (const auto& symbol : kSymbols) {
            if (symbol.name == text) {
                return symbol.value;
            }
        }
        const bool hex = text.starts_with("0x");
        const std::string_view digits = hex ? text.substr(2) : text;
        std::uint64_t value = 0;
        const auto [ptr, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
        if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size()) {
            fail("'" + std::string(text) + "' is neither a number nor a known constant");
        }
        return value;
    }

    std::string syscall_;
    Origin origin_;
};

std::vector<std::string> tokens(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> result;
    for (std::string token; in >> token;) {
        result.push_back(token);
    }
    return result;
}

std::vector<std::string> splitConditions(const std::string& text) {
    std::vector<std::string> parts;
    std::string_view rest(text);
    while (true) {
        const auto amp = rest.find("&&");
        parts.emplace_back(rest.substr(0, amp));
        if (amp == std::string_view::npos) {
            return parts;
        }
        rest = rest.substr(amp + 2);
    }
}

std::optional<CompareOp> compareOp(const std::string& token) {
    static constexpr std::array<std::pair<std::string_view, CompareOp>, 6> ops = {{
        {"==", CompareOp::Equal},
        {"!=", CompareOp::NotEqual},
        {"<", CompareOp::Less},
        {"<=", CompareOp::LessEqual},
        {">", CompareOp::Greater},
        {">=", CompareOp::GreaterEqual},
    }};
    for (const auto& [text, op] : ops) {
        if (text == token) {
            return op;
        }
    }
    return std::nullopt;
}

std::vector<std::uint64_t> parseSet(const Context& ctx, const std::vector<std::string>& words) {
    std::string joined;
    for (size_t i = 2; i < words.size(); ++i) {
        joined += words[i];
    }
    if (joined.size() < 2 || joined.front() != '{' || joined.back() != '}') {
        ctx.fail("expected '{A,B,...}' after 'in'");
    }
    std::vector<std::uint64_t> values;
    std::string_view rest = std::string_view(joined).substr(1, joined.size() - 2);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        values.push_back(ctx.constant(std::string(rest.substr(0, comma))));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (values.empty()) {
        ctx.fail("empty set after 'in'");
    }
    return values;
}

ArgCondition parseComparison(const Context& ctx, const NamedArg& arg,
                             const std::vector<std::string>& words) {
    ArgCondition condition{arg.index, CompareOp::Equal, 0, 0};
    size_t at = 1;
    if (words.size() == 5 && words[1] == "&") {
        condition.op = CompareOp::MaskedEqual;
        condition.mask = ctx.constant(words[2]);
        at = 3;
    } else if (words.size() != 3) {
        ctx.fail("expected 'ARG OP VALUE', 'ARG & MASK == VALUE', 'ARG in {...}' or "
                 "'ARG prefix /PATH'");
    }
    const auto op = compareOp(words[at]);
    if (!op || (condition.op == CompareOp::MaskedEqual && *op != CompareOp::Equal)) {
        ctx.fail("unknown comparison '" + words[at] + "'" +
                 (condition.op == CompareOp::MaskedEqual ? " (a mask takes ==)" : ""));
    }
    if (condition.op != CompareOp::MaskedEqual) {
        condition.op = *op;
    }
    if (!arg.wide && condition.op != CompareOp::Equal && condition.op != CompareOp::MaskedEqual) {
        ctx.fail("'" + words[at] + "' on the int argument '" + words[0] +
                 "' could be bypassed through the register's upper half; use == or 'in'");
    }
    condition.value = ctx.constant(words[at + 1]);
    return condition;
}

} // namespace

std::string ArgumentRuleParser::namedArguments(const std::string& syscall) {
    std::string names;
    for (const auto& arg : kNamedArgs) {
        if (arg.syscall == syscall) {
            names += (names.empty() ? "" : ", ") + std::string(arg.name);
        }
    }
    return names;
}

ArgumentRule ArgumentRuleParser::parse(const std::string& syscall, const std::string& text,
                                       const Origin& origin) {
    const Context ctx(syscall, origin);
    ArgumentRule rule{syscall, text, origin, {{}}, std::nullopt, 0};
    std::vector<std::uint64_t> set;
    unsigned setIndex = 0;
    const auto conditions = splitConditions(text);
    for (const auto& part : conditions) {
        const auto words = tokens(part);
        if (words.size() < 3) {
            ctx.fail("incomplete condition '" + part + "'");
        }
        const NamedArg arg = ctx.argument(words[0]);
        if (words[1] == "prefix") {
            if (!arg.pointer || words.size() != 3 || !words[2].starts_with("/")) {
                ctx.fail("'prefix' takes a path argument and an absolute path");
            }
            if (conditions.size() != 1) {
                ctx.fail("a 'prefix' check cannot be combined with other conditions");
            }
            rule.pathPrefix = words[2];
            rule.pathIndex = arg.index;
            return rule;
        }
        if (arg.pointer) {
            ctx.fail("'" + words[0] + "' is a pointer; only 'prefix' can check what it points to");
        }
        if (words[1] == "in") {
            if (!set.empty()) {
                ctx.fail("only one 'in' per rule");
            }
            set = parseSet(ctx, words);
            setIndex = arg.index;
            continue;
        }
        rule.alternatives.front().push_back(parseComparison(ctx, arg, words));
    }
    if (set.empty()) {
        return rule;
    }
    const auto common = rule.alternatives.front();
    rule.alternatives.clear();
    for (const auto value : set) {
        auto alternative = common;
        alternative.push_back({setIndex, CompareOp::Equal, value, 0});
        rule.alternatives.push_back(std::move(alternative));
    }
    return rule;
}

} // namespace mamori::sandbox
