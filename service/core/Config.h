// mamorid's configuration (/etc/mamori/mamori.conf): what each key means, its default, and the
// parser. The reference for users is docs/configuration.md; keep the two in step.
#pragma once

#include "common/Engine.h"
#include "common/Log.h"
#include "devices/DevicesConfig.h"
#include "dns/DnsConfig.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mamori {

struct Config {
    log::Level logLevel = log::Level::Info;
    // How long a caller may take to answer polkit (e.g. an authentication dialog); when it runs
    // out, the call is denied.
    std::chrono::seconds polkitTimeout{120};
    // Whether each engine is on before anybody has chosen (no state file yet).
    std::map<Engine, bool> engineDefaults{
        {Engine::Dns, false}, {Engine::Sandbox, false}, {Engine::Devices, false}};
    // [Devices]: how the USB engine treats devices nobody has decided about.
    devices::DevicesConfig devices;
    // [Dns]: where the DNS engine's stub listens, what it steers and guards.
    dns::DnsConfig dns;
};

struct LoadedConfig {
    Config config;
    std::vector<std::string> warnings; // unknown groups and keys, as file:line: text
};

// Built-in defaults when the file does not exist. Throws MamoriError(BadConfig) naming
// file:line when a value is invalid; unknown keys are returned as warnings, not errors.
LoadedConfig loadConfig(const std::filesystem::path& path);

} // namespace mamori
