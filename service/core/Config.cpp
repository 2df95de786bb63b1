#include "core/Config.h"

#include "common/Errors.h"
#include "common/KeyFile.h"

#include <optional>

namespace mamori {
namespace {

constexpr unsigned long kMaxPolkitTimeoutSec = 3600;

std::optional<log::Level> levelFromName(std::string_view name) {
    static const std::map<std::string_view, log::Level> levels{{"error", log::Level::Error},
                                                               {"warning", log::Level::Warning},
                                                               {"notice", log::Level::Notice},
                                                               {"info", log::Level::Info},
                                                               {"debug", log::Level::Debug}};
    const auto it = levels.find(name);
    return it == levels.end() ? std::nullopt : std::optional(it->second);
}

std::string unknown(const KeyFile& file, int line, const std::string& what) {
    return file.source() + ":" + std::to_string(line) + ": unknown " + what + ", ignored";
}

void readDaemonGroup(const KeyFile& file, const KeyFileGroup& group, LoadedConfig& out) {
    file.readKnownKeys(
        group,
        [&](const KeyFileEntry& entry) {
            if (entry.key == "LogLevel") {
                const auto level = levelFromName(entry.value);
                if (!level) {
                    file.fail(entry.line,
                              "LogLevel: expected error, warning, notice, info or debug, "
                              "got '" +
                                  entry.value + "'");
                }
                out.config.logLevel = *level;
            } else if (entry.key == "PolkitTimeoutSec") {
                const auto seconds = file.unsignedValue(entry, kMaxPolkitTimeoutSec);
                if (seconds == 0) {
                    file.fail(entry.line, "PolkitTimeoutSec: must be at least 1");
                }
                out.config.polkitTimeout = std::chrono::seconds(seconds);
            } else {
                return false;
            }
            return true;
        },
        out.warnings);
}

void readEnginesGroup(const KeyFile& file, const KeyFileGroup& group, LoadedConfig& out) {
    for (const auto& entry : group.entries) {
        const auto engine = engineFromName(entry.key);
        if (!engine) {
            out.warnings.push_back(unknown(file, entry.line, "engine '" + entry.key + "'"));
            continue;
        }
        out.config.engineDefaults[*engine] = file.boolValue(entry);
    }
}

} // namespace

LoadedConfig loadConfig(const std::filesystem::path& path) {
    LoadedConfig out;
    try {
        const auto file = KeyFile::load(path);
        if (!file) {
            return out;
        }
        for (const auto& group : file->groups()) {
            if (group.name == "Daemon") {
                readDaemonGroup(*file, group, out);
            } else if (group.name == "Engines") {
                readEnginesGroup(*file, group, out);
            } else if (group.name == "Devices") {
                devices::readDevicesConfig(*file, group, out.config.devices, out.warnings);
            } else if (group.name == "Dns") {
                dns::readDnsConfig(*file, group, out.config.dns, out.warnings);
            } else {
                out.warnings.push_back(unknown(*file, group.line, "group [" + group.name + "]"));
            }
        }
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::BadConfig, e.what());
    }
    return out;
}

} // namespace mamori
