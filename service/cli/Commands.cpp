#include "cli/Commands.h"

#include "cli/JsonWriter.h"
#include "cli/PolkitTtyAgent.h"
#include "client/ManagerClient.h"
#include "common/Engine.h"

#include <cstdio>
#include <iostream>

namespace mamori::cli {
namespace {

// Longer than the longest PolkitTimeoutSec mamorid accepts (3600 s).
constexpr uint64_t kMethodCallTimeoutUsec = 3630ULL * 1000 * 1000;

using FeatureMap = std::map<std::string, sdbus::Struct<bool, std::string>>;

void expectArgumentCount(const Arguments& args, size_t count, const char* usage) {
    if (args.size() != count) {
        throw CliError(kExitUsage, std::string("usage: mamorictl ") + usage);
    }
}

void writeFeaturesJson(JsonWriter& json, const FeatureMap& features) {
    json.beginObject();
    for (const auto& [name, result] : features) {
        json.key(name).beginObject();
        json.key("available").value(result.get<0>());
        json.key("detail").value(result.get<1>());
        json.endObject();
    }
    json.endObject();
}

// The kernel part shared by `status` and `features`.
void writeKernelJson(JsonWriter& json, const std::string& cgroupRoot, const FeatureMap& features) {
    json.key("cgroup_root").value(cgroupRoot);
    json.key("features");
    writeFeaturesJson(json, features);
}

void writeEnginesJson(JsonWriter& json, const std::map<std::string, bool>& engines) {
    json.beginObject();
    for (const auto& [name, on] : engines) {
        json.key(name).value(on);
    }
    json.endObject();
}

} // namespace

sdbus::IConnection& Bus::connection() {
    if (connection_) {
        return *connection_;
    }
    try {
        connection_ = sdbus::createSystemBusConnection();
        // Longer than mamorid's longest polkit wait, so a password prompt is not cut short.
        connection_->setMethodCallTimeout(kMethodCallTimeoutUsec);
    } catch (const sdbus::Error& e) {
        throw CliError(kExitNotRunning, "cannot connect to the system bus (" + e.getMessage() +
                                            "); is dbus running?");
    }
    return *connection_;
}

int commandStatus(Bus& bus, const Options& options, const Arguments& args) {
    expectArgumentCount(args, 0, "status");
    ManagerClient manager(bus.connection());
    const auto version = manager.Version();
    const auto daemonVersion = manager.DaemonVersion();
    const auto engines = manager.Engines();
    const auto corrupt = manager.CorruptStateFiles();
    const auto features = manager.Features();
    const auto cgroupRoot = manager.CgroupRoot();

    if (options.json) {
        JsonWriter json;
        json.beginObject();
        json.key("running").value(true);
        json.key("api_version").value(static_cast<unsigned long>(version));
        json.key("daemon_version").value(daemonVersion);
        json.key("engines");
        writeEnginesJson(json, engines);
        json.key("corrupt_state_files").beginArray();
        for (const auto& path : corrupt) {
            json.value(path);
        }
        json.endArray();
        writeKernelJson(json, cgroupRoot, features);
        json.endObject();
        std::cout << json.str() << '\n';
        return kExitOk;
    }

    unsigned available = 0;
    for (const auto& [name, result] : features) {
        available += result.get<0>() ? 1 : 0;
    }
    std::cout << "mamorid " << daemonVersion << " is running (API version " << version << ")\n";
    std::cout << "Engines:\n";
    for (const auto& [name, on] : engines) {
        std::cout << "  " << name << ": " << (on ? "enabled" : "disabled") << '\n';
    }
    std::cout << "Kernel features: " << available << " of " << features.size()
              << " available (see 'mamorictl features')\n";
    for (const auto& path : corrupt) {
        std::cout << "Warning: a state file was unreadable and kept aside as " << path
                  << "; defaults are in use\n";
    }
    return kExitOk;
}

int commandFeatures(Bus& bus, const Options& options, const Arguments& args) {
    expectArgumentCount(args, 0, "features");
    ManagerClient manager(bus.connection());
    const auto features = manager.Features();
    const auto cgroupRoot = manager.CgroupRoot();
    if (options.json) {
        JsonWriter json;
        json.beginObject();
        writeKernelJson(json, cgroupRoot, features);
        json.endObject();
        std::cout << json.str() << '\n';
        return kExitOk;
    }
    for (const auto& [name, result] : features) {
        std::printf("%-20s %-11s %s\n", name.c_str(), result.get<0>() ? "available" : "unavailable",
                    result.get<1>().c_str());
    }
    std::printf("%-20s %s\n", "cgroup v2 root", cgroupRoot.empty() ? "(none)" : cgroupRoot.c_str());
    return kExitOk;
}

int commandEngine(Bus& bus, const Options& options, const Arguments& args) {
    constexpr const char* kUsage = "engine enable|disable dns|sandbox|devices";
    expectArgumentCount(args, 2, kUsage);
    const std::string& verb = args[0];
    if (verb != "enable" && verb != "disable") {
        throw CliError(kExitUsage,
                       "unknown engine action '" + verb + "'; usage: mamorictl " + kUsage);
    }
    const bool enable = verb == "enable";
    const PolkitTtyAgent agent;
    ManagerClient manager(bus.connection());
    manager.SetEngineEnabled(args[1], enable);
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("engine").value(args[1]).key("enabled").value(enable).endObject();
        std::cout << json.str() << '\n';
    } else {
        std::cout << "Engine " << args[1] << " " << (enable ? "enabled" : "disabled") << ".\n";
    }
    return kExitOk;
}

int commandReload(Bus& bus, const Options& /*options*/, const Arguments& args) {
    expectArgumentCount(args, 0, "reload");
    const PolkitTtyAgent agent;
    ManagerClient manager(bus.connection());
    manager.Reload();
    return kExitOk;
}

} // namespace mamori::cli
