// Decides, at plug time, what happens to a USB device and each of its interfaces
// (docs/lbm-language.md, "Device decisions"):
//  - device-level rules (only usb.* device fields) decide for the device and, in file order
//    with the interface rules, for each of its interfaces;
//  - interface-level rules (any usb.interface.* field) decide only for the interfaces they
//    match, never for the device;
//  - the first matching rule with action drop/allow/ask decides; `log` rules are collected
//    and never decide; packet rules are ignored; no match leaves the caller's default.
#pragma once

#include "lbm/Ast.h"
#include "lbm/DeviceDescription.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mamori::lbm {

struct Decision {
    Action action = Action::Allow;
    std::string ruleName;
    SourcePosition position; // of the rule
    std::size_t ruleIndex = 0;
};

struct DeviceVerdict {
    std::optional<Decision> device; // std::nullopt: no rule matched, use the caller's default
    // Parallel to DeviceDescription::interfaces.
    std::vector<std::optional<Decision>> interfaces;
    // Every matching `log` rule (device- or interface-level), in file order.
    std::vector<Decision> logged;
};

class DeviceEvaluator {
public:
    // `rules` must have passed the TypeChecker and must outlive the evaluator.
    explicit DeviceEvaluator(const RuleFile& rules);

    DeviceVerdict evaluate(const DeviceDescription& device) const;

private:
    struct Candidate {
        std::size_t index;
        bool perInterface;
    };
    static void applyDeviceRule(const Rule& rule, const Decision& decision,
                                const DeviceDescription& device, DeviceVerdict& verdict);
    static void applyInterfaceRule(const Rule& rule, const Decision& decision,
                                   const DeviceDescription& device, DeviceVerdict& verdict);

    const RuleFile& rules_;
    std::vector<Candidate> candidates_; // device and interface rules, in file order
};

} // namespace mamori::lbm
