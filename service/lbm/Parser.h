// Parses rule files: LBMTOOL expressions (each a drop rule named rule-<n>), named rule blocks
// `rule NAME ACTION { expr }`, and `include "path"` (relative to the including file). The
// grammar is in docs/lbm-language.md.
#pragma once

#include "lbm/Ast.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::lbm {

// Loads an included file; std::nullopt when it does not exist or cannot be read.
using IncludeLoader = std::function<std::optional<std::string>(const std::filesystem::path&)>;

std::optional<std::string> loadIncludeFromDisk(const std::filesystem::path& path);

struct ParseOptions {
    // Empty: `include` is an error (the fuzzer must not read arbitrary files).
    IncludeLoader loadInclude = loadIncludeFromDisk;
    // Height limit of one expression tree; every '(' and '!' and every operand of an
    // '&&'/'||' chain adds a level. Keeps recursion in every later pass bounded.
    int maxDepth = 256;
    // Nested includes deeper than this are an error even without a loop.
    int maxIncludeDepth = 32;
};

class Parser {
public:
    // Throws RuleError naming file:line:column and the expected token.
    static RuleFile parse(std::string_view text, const std::string& file,
                          const ParseOptions& options = {});
    static RuleFile parseFile(const std::filesystem::path& path, const ParseOptions& options = {});
    // One expression and nothing else (mamorictl lbm test -e, tests).
    static ExprPtr parseExpression(std::string_view text, const std::string& file = "<expr>",
                                   const ParseOptions& options = {});
};

} // namespace mamori::lbm
