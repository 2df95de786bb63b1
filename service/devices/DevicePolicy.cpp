#include "devices/DevicePolicy.h"

#include "common/Errors.h"
#include "common/Log.h"
#include "common/UsbClasses.h"
#include "lbm/DeviceEvaluator.h"
#include "lbm/Parser.h"
#include "lbm/RuleError.h"
#include "lbm/TypeChecker.h"

#include <algorithm>
#include <optional>
#include <system_error>

namespace mamori::devices {
namespace {

using usb::kClassHid;
using usb::kClassMiscellaneous;
using usb::kClassPerInterface;
constexpr uint8_t kClassStorage = usb::kClassMassStorage;
constexpr uint8_t kClassVendor = usb::kClassVendorSpecific;
constexpr uint8_t kBootSubClass = usb::kHidBootSubClass;
constexpr uint8_t kKeyboardProtocol = usb::kHidKeyboardProtocol;

using MaybeDecision = std::optional<lbm::Decision>;

// Stored rules come first: evaluating the two files one after the other and keeping the first
// decision is the same as evaluating their concatenation.
lbm::DeviceVerdict evaluate(const lbm::DeviceDescription& device, const lbm::RuleFile& stored,
                            const lbm::RuleFile& admin) {
    lbm::DeviceVerdict first = lbm::DeviceEvaluator(stored).evaluate(device);
    const lbm::DeviceVerdict second = lbm::DeviceEvaluator(admin).evaluate(device);
    if (!first.device) {
        first.device = second.device;
    }
    for (std::size_t i = 0; i < first.interfaces.size(); ++i) {
        if (!first.interfaces[i]) {
            first.interfaces[i] = second.interfaces[i];
        }
    }
    return first;
}

bool hasClass(const lbm::DeviceDescription& device, uint8_t interfaceClass) {
    return std::any_of(device.interfaces.begin(), device.interfaces.end(),
                       [&](const auto& i) { return i.interfaceClass == interfaceClass; });
}

std::string interfaceList(const std::vector<uint8_t>& numbers) {
    std::string text;
    for (const auto number : numbers) {
        text += (text.empty() ? "" : ", ") + std::to_string(number);
    }
    return text;
}

// Fills allowedInterfaces and notes why the others are held back.
void chooseInterfaces(const lbm::DeviceDescription& device, const lbm::DeviceVerdict& verdict,
                      const std::string& badUsb, Outcome& outcome) {
    std::vector<uint8_t> heldBack;
    std::string why;
    for (std::size_t i = 0; i < device.interfaces.size(); ++i) {
        const auto& interface = device.interfaces[i];
        const MaybeDecision& decision = verdict.interfaces[i];
        bool allowed = true;
        if (decision) {
            allowed = decision->action == lbm::Action::Allow;
            if (!allowed && why.empty()) {
                why = "rule " + decision->ruleName;
            }
        } else if (!badUsb.empty() && interface.interfaceClass == kClassHid) {
            allowed = false;
            if (why.empty()) {
                why = badUsb;
            }
        }
        if (allowed) {
            outcome.allowedInterfaces.push_back(interface.number);
        } else {
            heldBack.push_back(interface.number);
        }
    }
    if (!heldBack.empty()) {
        outcome.waitingReason =
            "interfaces " + interfaceList(heldBack) + " held back (" + why + ")";
    }
}

bool keyboardAllowed(const lbm::DeviceDescription& device, const Outcome& outcome) {
    for (const auto& interface : device.interfaces) {
        if (DevicePolicy::isKeyboard(interface) &&
            std::find(outcome.allowedInterfaces.begin(), outcome.allowedInterfaces.end(),
                      interface.number) != outcome.allowedInterfaces.end()) {
            return true;
        }
    }
    return false;
}

void fromRule(const lbm::Decision& decision, Outcome& outcome) {
    outcome.decidedBy = decision.ruleName;
    switch (decision.action) {
    case lbm::Action::Allow:
        outcome.verdict = Verdict::Allow;
        break;
    case lbm::Action::Drop:
        outcome.verdict = Verdict::Block;
        break;
    case lbm::Action::Ask:
    case lbm::Action::Log: // never decides; listed for completeness
        outcome.verdict = Verdict::Ask;
        outcome.waitingReason = "rule " + decision.ruleName + " asks";
        break;
    }
}

void fromDefault(DefaultPolicy policy, const std::string& badUsb, Outcome& outcome) {
    outcome.decidedBy = "default policy";
    switch (policy) {
    case DefaultPolicy::Allow:
        outcome.verdict = Verdict::Allow;
        break;
    case DefaultPolicy::Block:
        outcome.verdict = Verdict::Block;
        break;
    case DefaultPolicy::Ask:
        outcome.verdict = Verdict::Ask;
        outcome.waitingReason = badUsb.empty() ? "no rule matched; default policy is ask" : badUsb;
        break;
    }
}

lbm::RuleFile loadRuleFiles(const std::vector<std::filesystem::path>& files) {
    lbm::RuleFile all;
    for (const auto& path : files) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            log::warning("devices: rule file " + path.string() + " does not exist; skipped");
            continue;
        }
        try {
            lbm::RuleFile file = lbm::Parser::parseFile(path);
            lbm::TypeChecker::check(file);
            std::move(file.rules.begin(), file.rules.end(), std::back_inserter(all.rules));
        } catch (const lbm::RuleError& e) {
            throw MamoriError(ErrorCode::BadConfig, e.what());
        }
    }
    return all;
}

} // namespace

DevicePolicy::DevicePolicy(const std::vector<std::filesystem::path>& ruleFiles,
                           bool allowFirstKeyboard)
    : adminRules_(loadRuleFiles(ruleFiles))
    , allowFirstKeyboard_(allowFirstKeyboard) {}

Outcome DevicePolicy::decide(const lbm::DeviceDescription& device, const lbm::RuleFile& storedRules,
                             const PolicyContext& context) const {
    const lbm::DeviceVerdict verdict = evaluate(device, storedRules, adminRules_);
    const std::string badUsb = badUsbReason(device);
    Outcome outcome;
    chooseInterfaces(device, verdict, badUsb, outcome);
    if (verdict.device) {
        fromRule(*verdict.device, outcome);
    } else if (allowFirstKeyboard_ && !context.keyboardAuthorized && badUsb.empty() &&
               keyboardAllowed(device, outcome)) {
        outcome.verdict = Verdict::Allow;
        outcome.decidedBy = "first keyboard";
    } else if (context.allowAllOpen) {
        outcome.verdict = Verdict::Allow;
        outcome.decidedBy = "allow-all";
    } else {
        fromDefault(context.defaultPolicy, badUsb, outcome);
    }
    return outcome;
}

bool DevicePolicy::isKeyboard(const lbm::InterfaceDescription& interface) {
    return interface.interfaceClass == kClassHid && interface.interfaceSubClass == kBootSubClass &&
           interface.interfaceProtocol == kKeyboardProtocol;
}

bool DevicePolicy::hasKeyboard(const lbm::DeviceDescription& device) {
    return std::any_of(device.interfaces.begin(), device.interfaces.end(), isKeyboard);
}

std::string DevicePolicy::badUsbReason(const lbm::DeviceDescription& device) {
    if (!hasClass(device, kClassHid)) {
        return {};
    }
    if (hasClass(device, kClassStorage)) {
        return "HID interface on a mass-storage device";
    }
    if (hasClass(device, kClassVendor) || device.bDeviceClass == kClassVendor) {
        return "HID interface on a vendor-specific device";
    }
    // Class 0 (per interface), HID and "miscellaneous" (composite) are what keyboards and
    // headsets report; any other device class claims to be something an HID function is not.
    if (device.bDeviceClass != kClassPerInterface && device.bDeviceClass != kClassHid &&
        device.bDeviceClass != kClassMiscellaneous) {
        return "HID interface on a device that claims class " + std::to_string(device.bDeviceClass);
    }
    return {};
}

} // namespace mamori::devices
