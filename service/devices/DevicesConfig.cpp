#include "devices/DevicesConfig.h"

#include "common/Errors.h"
#include "common/Names.h"

#include <array>
#include <utility>

namespace mamori::devices {
namespace {

constexpr unsigned long kMaxApprovalTimeoutSec = 3600;

constexpr std::array kPolicyNames = {std::pair{DefaultPolicy::Allow, names::device::kPolicyAllow},
                                     std::pair{DefaultPolicy::Ask, names::device::kPolicyAsk},
                                     std::pair{DefaultPolicy::Block, names::device::kPolicyBlock}};

std::vector<std::filesystem::path> splitPaths(const KeyFile& file, const KeyFileEntry& entry) {
    std::vector<std::filesystem::path> paths;
    std::string_view rest = entry.value;
    while (!rest.empty()) {
        const auto end = rest.find(';');
        const std::string_view item = rest.substr(0, end);
        if (!item.empty()) {
            const std::filesystem::path path(item);
            if (!path.is_absolute()) {
                file.fail(entry.line,
                          "RuleFiles: '" + std::string(item) + "' is not an absolute path");
            }
            paths.push_back(path);
        }
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    return paths;
}

// Returns false for a key this group does not know.
bool readEntry(const KeyFile& file, const KeyFileEntry& entry, DevicesConfig& config) {
    if (entry.key == "DefaultPolicy") {
        const auto policy = parseDefaultPolicy(entry.value);
        if (!policy) {
            file.fail(entry.line,
                      "DefaultPolicy: expected allow, ask or block, got '" + entry.value + "'");
        }
        config.defaultPolicy = *policy;
    } else if (entry.key == "ApprovalTimeoutSec") {
        const auto seconds = file.unsignedValue(entry, kMaxApprovalTimeoutSec);
        if (seconds == 0) {
            file.fail(entry.line, "ApprovalTimeoutSec: must be at least 1");
        }
        config.approvalTimeout = std::chrono::seconds(seconds);
    } else if (entry.key == "KeepPresentDevices") {
        config.keepPresentDevices = file.boolValue(entry);
    } else if (entry.key == "AllowFirstKeyboard") {
        config.allowFirstKeyboard = file.boolValue(entry);
    } else if (entry.key == "RejectBlocked") {
        config.rejectBlocked = file.boolValue(entry);
    } else if (entry.key == "BindRulesToPort") {
        config.bindRulesToPort = file.boolValue(entry);
    } else if (entry.key == "Enforce") {
        config.enforce = file.boolValue(entry);
    } else if (entry.key == "RuleFiles") {
        config.ruleFiles = splitPaths(file, entry);
    } else {
        return false;
    }
    return true;
}

} // namespace

void readDevicesConfig(const KeyFile& file, const KeyFileGroup& group, DevicesConfig& config,
                       std::vector<std::string>& warnings) {
    try {
        file.readKnownKeys(
            group, [&](const KeyFileEntry& entry) { return readEntry(file, entry, config); },
            warnings);
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::BadConfig, e.what());
    }
}

std::string_view defaultPolicyName(DefaultPolicy policy) {
    for (const auto& [value, name] : kPolicyNames) {
        if (value == policy) {
            return name;
        }
    }
    return names::device::kPolicyAsk;
}

std::optional<DefaultPolicy> parseDefaultPolicy(std::string_view text) {
    for (const auto& [value, name] : kPolicyNames) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

} // namespace mamori::devices
