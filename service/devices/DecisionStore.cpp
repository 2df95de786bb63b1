#include "devices/DecisionStore.h"

#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "common/KeyFile.h"
#include "common/Log.h"
#include "lbm/Parser.h"
#include "lbm/Printer.h"
#include "lbm/RuleError.h"
#include "lbm/TypeChecker.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace mamori::devices {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStateGroup = "Devices";
constexpr std::string_view kPolicyKey = "DefaultPolicy";
constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;

lbm::ParseOptions noIncludes() {
    lbm::ParseOptions options;
    options.loadInclude = nullptr; // a stored rule must not read other files
    return options;
}

lbm::RuleFile parseOne(const std::string& text) {
    try {
        lbm::RuleFile file = lbm::Parser::parse(text, "<rule>", noIncludes());
        lbm::TypeChecker::check(file);
        if (file.rules.size() != 1) {
            throw MamoriError(ErrorCode::InvalidArgs, "rule: expected exactly one rule, got " +
                                                          std::to_string(file.rules.size()));
        }
        const auto& subsystem = file.rules.front().subsystem;
        if (subsystem && lbm::isPacketSubsystem(*subsystem)) {
            throw MamoriError(ErrorCode::InvalidArgs,
                              "rule: '" + file.rules.front().name +
                                  "' is a packet rule; devices store only device rules");
        }
        return file;
    } catch (const lbm::RuleError& e) {
        throw MamoriError(ErrorCode::InvalidArgs, std::string("rule: ") + e.what());
    }
}

std::string joined(const std::vector<std::string>& texts) {
    std::string out =
        "# Device decisions stored by mamorid; edit with `mamorictl devices rules`.\n";
    for (const auto& text : texts) {
        out += text + "\n";
    }
    return out;
}

void writeOrThrow(const fs::path& path, const std::string& content) {
    try {
        fs::create_directories(path.parent_path());
        writeFileAtomically(path, content, kPrivate);
    } catch (const std::exception& e) {
        throw MamoriError(ErrorCode::StateNotSaved, e.what());
    }
}

} // namespace

DecisionStore::DecisionStore(const fs::path& directory)
    : rulesPath_(directory / "devices.rules")
    , statePath_(directory / "devices.state") {
    load();
    loadState();
}

bool DecisionStore::contains(const std::string& name) const {
    return std::any_of(rules_.rules.begin(), rules_.rules.end(),
                       [&](const lbm::Rule& rule) { return rule.name == name; });
}

std::string DecisionStore::canonical(const std::string& text) {
    const lbm::RuleFile file = parseOne(text);
    std::string printed = lbm::Printer::print(file.rules.front());
    while (!printed.empty() && printed.back() == '\n') {
        printed.pop_back();
    }
    return printed;
}

std::string DecisionStore::nameOf(const std::string& canonicalText) {
    return parseOne(canonicalText).rules.front().name;
}

lbm::RuleFile DecisionStore::parseAll(const std::vector<std::string>& texts) {
    lbm::RuleFile all;
    std::set<std::string> names;
    for (const auto& text : texts) {
        lbm::RuleFile one = parseOne(text);
        if (!names.insert(one.rules.front().name).second) {
            throw MamoriError(ErrorCode::InvalidArgs, "rule: a rule named '" +
                                                          one.rules.front().name +
                                                          "' is already stored");
        }
        all.rules.push_back(std::move(one.rules.front()));
    }
    return all;
}

void DecisionStore::assign(const std::vector<std::string>& texts) {
    lbm::RuleFile parsed = parseAll(texts);
    writeOrThrow(rulesPath_, joined(texts));
    texts_ = texts;
    rules_ = std::move(parsed);
}

void DecisionStore::load() {
    std::error_code ec;
    if (!fs::exists(rulesPath_, ec)) {
        return;
    }
    try {
        lbm::RuleFile file = lbm::Parser::parseFile(rulesPath_, noIncludes());
        lbm::TypeChecker::check(file);
        for (const auto& rule : file.rules) {
            std::string printed = lbm::Printer::print(rule);
            while (!printed.empty() && printed.back() == '\n') {
                printed.pop_back();
            }
            texts_.push_back(std::move(printed));
        }
        rules_ = parseAll(texts_);
    } catch (const std::exception& e) {
        const fs::path aside = rulesPath_.string() + ".corrupt";
        fs::rename(rulesPath_, aside, ec);
        log::error("devices: stored rules " + rulesPath_.string() + " are unusable (" + e.what() +
                   "); moved to " + aside.string() + ", starting without stored rules");
        texts_.clear();
        rules_ = {};
    }
}

void DecisionStore::loadState() {
    try {
        const auto file = KeyFile::load(statePath_);
        if (!file) {
            return;
        }
        if (const auto value = file->value(kStateGroup, kPolicyKey)) {
            defaultPolicy_ = parseDefaultPolicy(*value);
        }
    } catch (const std::exception& e) {
        log::error("devices: " + statePath_.string() + " is unusable (" + e.what() +
                   "); using the configured default policy");
    }
}

void DecisionStore::setDefaultPolicy(DefaultPolicy policy) {
    KeyFile file(statePath_.string());
    file.set(kStateGroup, kPolicyKey, defaultPolicyName(policy));
    writeOrThrow(statePath_, file.serialize());
    defaultPolicy_ = policy;
}

} // namespace mamori::devices
