// The user's stored device decisions: rules in `<state>/devices.rules` (rule-language text,
// one canonical rule per entry) and the default policy in `<state>/devices.state`. Every
// change is written atomically before it is kept in memory, so a failed write changes nothing.
#pragma once

#include "devices/DevicesConfig.h"
#include "lbm/Ast.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mamori::devices {

class DecisionStore {
public:
    // Loads what is stored. A rules file that no longer parses is moved aside (".corrupt") and
    // logged, so one bad edit cannot keep the service from starting.
    explicit DecisionStore(const std::filesystem::path& directory);

    const std::vector<std::string>& texts() const { return texts_; }
    // Parsed and type-checked; in the order of texts().
    const lbm::RuleFile& rules() const { return rules_; }
    bool contains(const std::string& name) const;

    // Replaces every stored rule. Throws MamoriError(InvalidArgs, "rule: ...") when a text
    // does not parse or is not exactly one device rule, InvalidArgs for a duplicate name,
    // StateNotSaved when the file cannot be written; nothing changes then.
    void assign(const std::vector<std::string>& texts);

    // One rule text → its canonical form; throws like assign().
    static std::string canonical(const std::string& text);
    static std::string nameOf(const std::string& canonicalText);

    std::optional<DefaultPolicy> defaultPolicy() const { return defaultPolicy_; }
    void setDefaultPolicy(DefaultPolicy policy); // StateNotSaved on failure

private:
    static lbm::RuleFile parseAll(const std::vector<std::string>& texts);
    void load();
    void loadState();

    std::filesystem::path rulesPath_;
    std::filesystem::path statePath_;
    std::vector<std::string> texts_;
    lbm::RuleFile rules_;
    std::optional<DefaultPolicy> defaultPolicy_;
};

} // namespace mamori::devices
