#include "core/AuthorizationTable.h"

#include "common/Names.h"

#include <algorithm>
#include <array>

namespace mamori {
namespace {

using namespace names;

// Adding a method to dbus/*.xml means adding its line here; tests/unit checks that every method
// of every interface file is listed.
constexpr std::array kTable = {
    MethodAction{iface::kManager, "SetEngineEnabled", action::kManage},
    MethodAction{iface::kManager, "Reload", action::kManage},
    MethodAction{iface::kDns, "AddResolver", action::kDnsConfigure},
    MethodAction{iface::kDns, "RemoveResolver", action::kDnsConfigure},
    MethodAction{iface::kDns, "SetAssignment", action::kDnsConfigure},
    MethodAction{iface::kDns, "SetDefaultTarget", action::kDnsConfigure},
    MethodAction{iface::kDns, "SetShardResolvers", action::kDnsConfigure},
    MethodAction{iface::kDns, "RestoreShippedResolvers", action::kDnsConfigure},
    MethodAction{iface::kDns, "SetExposureThreshold", action::kDnsConfigure},
    MethodAction{iface::kDns, "ResetExposure", action::kDnsConfigure},
    MethodAction{iface::kDevice, "Authorize", action::kDevicesAuthorize},
    MethodAction{iface::kDevice, "Block", action::kDevicesAuthorize},
    MethodAction{iface::kDevices, "ListRules", action::kDevicesManage},
    MethodAction{iface::kDevices, "AddRule", action::kDevicesManage},
    MethodAction{iface::kDevices, "RemoveRule", action::kDevicesManage},
    MethodAction{iface::kDevices, "SetDefaultPolicy", action::kDevicesManage},
    MethodAction{iface::kDevices, "AllowAll", action::kDevicesManage},
    MethodAction{iface::kDevices, "SetBluetoothBlocked", action::kDevicesManage},
    MethodAction{iface::kDevices, "SetBluetoothAllowedServices", action::kDevicesManage},
    MethodAction{iface::kSandbox, "InstallProfile", action::kSandboxManage},
    MethodAction{iface::kSandbox, "RemoveProfile", action::kSandboxManage},
    MethodAction{iface::kSandbox, "RegisterSandbox", action::kSandboxSupervise},
};

} // namespace

std::span<const MethodAction> authorizationTable() {
    return kTable;
}

std::optional<std::string_view> actionFor(std::string_view interface, std::string_view method) {
    const auto it = std::find_if(kTable.begin(), kTable.end(), [&](const MethodAction& entry) {
        return entry.interface == interface && entry.method == method;
    });
    if (it == kTable.end()) {
        return std::nullopt;
    }
    return it->action;
}

} // namespace mamori
