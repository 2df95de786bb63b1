// Fuzz target for the rule language front end: any input must either be rejected with a
// RuleError or parse, type-check and fold; the folded tree printed and parsed again must be
// the same tree. Includes are disabled so that inputs cannot make the fuzzer read files.
#include "lbm/AstEquality.h"
#include "lbm/ConstantFolder.h"
#include "lbm/Parser.h"
#include "lbm/Printer.h"
#include "lbm/RuleError.h"
#include "lbm/TypeChecker.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    mamori::lbm::ParseOptions options;
    options.loadInclude = nullptr;
    mamori::lbm::RuleFile file;
    try {
        file = mamori::lbm::Parser::parse(text, "fuzz", options);
        mamori::lbm::TypeChecker::check(file);
    } catch (const mamori::lbm::RuleError&) {
        return 0;
    }
    mamori::lbm::ConstantFolder::fold(file);
    const std::string printed = mamori::lbm::Printer::print(file);
    try {
        const auto again = mamori::lbm::Parser::parse(printed, "fuzz-again", options);
        if (!mamori::lbm::AstEquality::equal(file, again)) {
            std::abort();
        }
    } catch (const mamori::lbm::RuleError&) {
        std::abort(); // the printer wrote something the parser rejects
    }
    return 0;
}
