#include "core/EngineRequirements.h"

#include "common/Names.h"

#include <span>
#include <string_view>
#include <vector>

namespace mamori {
namespace {

std::vector<std::string_view> requiredFeatures(Engine engine) {
    using namespace names::feature;
    switch (engine) {
    case Engine::Dns:
        // Per-app steering lives in cgroup sock_addr hooks; the upstream guard is XDP.
        return {kCgroupSockAddr, kXdp};
    case Engine::Sandbox:
        // Stateful rules (counts, phases) are decided by the supervisor through the notifier.
        return {kSeccompUserNotif};
    case Engine::Devices:
        // USB authorization works through sysfs on any kernel.
        return {};
    }
    return {};
}

} // namespace

std::optional<std::string> missingRequirement(Engine engine, const kernel::FeatureReport& report) {
    for (const auto feature : requiredFeatures(engine)) {
        const auto it = report.features.find(feature);
        if (it == report.features.end() || !it->second.available) {
            const std::string detail =
                it == report.features.end() ? "not probed" : it->second.detail;
            return std::string(engineName(engine)) + " needs kernel feature " +
                   std::string(feature) + ", which is unavailable: " + detail;
        }
    }
    return std::nullopt;
}

} // namespace mamori
