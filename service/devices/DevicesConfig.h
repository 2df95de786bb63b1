// The `[Devices]` group of mamori.conf: how the USB engine treats devices nobody has decided
// about yet. Keys, defaults and meanings are in docs/configuration.md and README.md here.
#pragma once

#include "common/KeyFile.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::devices {

enum class DefaultPolicy { Allow, Ask, Block };

struct DevicesConfig {
    // What happens to a new device no rule and no exception decides about.
    DefaultPolicy defaultPolicy = DefaultPolicy::Ask;
    // Devices already plugged in when mamorid starts keep their authorization (no lock-out at
    // boot or on a service restart).
    bool keepPresentDevices = true;
    // When no keyboard is authorized, the first keyboard plugged in is allowed.
    bool allowFirstKeyboard = true;
    // How long a device waits for the user before the answer is "block".
    std::chrono::seconds approvalTimeout{30};
    // Blocked devices are removed from the bus (sysfs `remove`) instead of left unauthorized.
    bool rejectBlocked = false;
    // Rules stored by "always" also name the port, so the device is only known there.
    bool bindRulesToPort = false;
    // false: the engine reports devices but authorizes nothing and changes no hub default.
    bool enforce = true;
    // Administrator rule files (rule language), evaluated after the stored rules. Key
    // `RuleFiles`, a ';'-separated list.
    std::vector<std::filesystem::path> ruleFiles;
    // Not a config key: where the kernel command line is read from (tests point it elsewhere).
    std::filesystem::path kernelCommandLine = "/proc/cmdline";

    bool operator==(const DevicesConfig&) const = default;
};

// Reads the `[Devices]` group into `config` (keys absent keep their value). Throws
// MamoriError(BadConfig) naming file:line for an invalid value; unknown keys are appended to
// `warnings` as "file:line: ...".
void readDevicesConfig(const KeyFile& file, const KeyFileGroup& group, DevicesConfig& config,
                       std::vector<std::string>& warnings);

std::string_view defaultPolicyName(DefaultPolicy policy); // "allow", "ask", "block"
std::optional<DefaultPolicy> parseDefaultPolicy(std::string_view text);

} // namespace mamori::devices
