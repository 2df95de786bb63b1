// The decision pipeline for one new USB device, without any I/O:
//  1. stored rules, then the administrator's rule files (first match wins, per interface);
//  2. no-lockout exception: with no keyboard authorized, the first keyboard is allowed;
//  3. the allow-all window;
//  4. the default policy.
// A BadUSB-looking device (an HID keyboard next to storage or vendor-specific functions, or a
// device class that claims to be something else) is never allowed by 2-4: its HID interfaces
// stay off unless a rule names them.
#pragma once

#include "devices/DevicesConfig.h"
#include "lbm/Ast.h"
#include "lbm/DeviceDescription.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mamori::devices {

enum class Verdict { Allow, Block, Ask };

struct PolicyContext {
    bool keyboardAuthorized = false; // some authorized device has an authorized keyboard
    bool allowAllOpen = false;
    DefaultPolicy defaultPolicy = DefaultPolicy::Ask;
};

struct Outcome {
    Verdict verdict = Verdict::Ask;
    // Interface numbers that may be turned on: what Allow turns on, and what authorize()
    // without a list turns on later. Excludes interfaces a rule drops or asks about and the
    // HID interfaces of a BadUSB-looking device.
    std::vector<uint8_t> allowedInterfaces;
    std::string decidedBy;     // rule name, "first keyboard", "allow-all", "default policy"
    std::string waitingReason; // Ask: why; Allow with interfaces held back: which and why
};

class DevicePolicy {
public:
    // Parses and checks the administrator rule files; throws MamoriError(BadConfig) naming
    // file:line:column when one is malformed. A missing file is logged and skipped.
    DevicePolicy(const std::vector<std::filesystem::path>& ruleFiles, bool allowFirstKeyboard);

    Outcome decide(const lbm::DeviceDescription& device, const lbm::RuleFile& storedRules,
                   const PolicyContext& context) const;

    static bool hasKeyboard(const lbm::DeviceDescription& device);
    static bool isKeyboard(const lbm::InterfaceDescription& interface);
    // Why the device looks like BadUSB; empty when it does not.
    static std::string badUsbReason(const lbm::DeviceDescription& device);

    // Every rule of the administrator's files, packet rules included (PacketFilter's input).
    const lbm::RuleFile& adminRules() const { return adminRules_; }

private:
    lbm::RuleFile adminRules_;
    bool allowFirstKeyboard_;
};

} // namespace mamori::devices
