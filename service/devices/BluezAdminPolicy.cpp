#include "devices/BluezAdminPolicy.h"

#include "common/Errors.h"
#include "common/Log.h"

#include <map>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string_view>

namespace mamori::devices {
namespace {

constexpr const char* kBluezName = "org.bluez";
constexpr const char* kObjectManager = "org.freedesktop.DBus.ObjectManager";
constexpr std::string_view kAdapterInterface = "org.bluez.Adapter1";
constexpr const char* kAdminPolicyInterface = "org.bluez.AdminPolicySet1";

using InterfaceMap = std::map<std::string, std::map<std::string, sdbus::Variant>>;
using ManagedObjects = std::map<sdbus::ObjectPath, InterfaceMap>;

// The bus daemon's answers for "nobody owns org.bluez": BlueZ is not installed or not running.
bool meansNoBluez(const sdbus::Error& error) {
    return error.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           error.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

std::string describe(const sdbus::Error& error) {
    return error.getName() + ": " + error.getMessage();
}

// std::nullopt when BlueZ is absent; throws sdbus::Error for any other failure.
std::optional<ManagedObjects> managedObjects(sdbus::IConnection& bus,
                                             std::chrono::milliseconds timeout) {
    auto proxy = sdbus::createProxy(bus, kBluezName, "/");
    ManagedObjects objects;
    try {
        proxy->callMethod("GetManagedObjects")
            .onInterface(kObjectManager)
            .withTimeout(timeout)
            .storeResultsTo(objects);
    } catch (const sdbus::Error& error) {
        if (meansNoBluez(error)) {
            return std::nullopt;
        }
        throw;
    }
    return objects;
}

} // namespace

BluezAdminPolicy::BluezAdminPolicy(sdbus::IConnection& bus, std::chrono::milliseconds timeout)
    : bus_(&bus)
    , timeout_(timeout) {}

bool BluezAdminPolicy::available() const {
    // Asked of the bus daemon, not of bluetoothd: this backs a property getter on mamorid's
    // only thread, which must not wait on a stuck bluetoothd.
    try {
        auto bus = sdbus::createProxy(*bus_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        bool owned = false;
        bus->callMethod("NameHasOwner")
            .onInterface("org.freedesktop.DBus")
            .withTimeout(timeout_)
            .withArguments(std::string(kBluezName))
            .storeResultsTo(owned);
        return owned;
    } catch (const sdbus::Error& error) {
        log::warning("cannot ask the bus whether BlueZ runs: " + describe(error));
        return false;
    }
}

BluezApplyResult BluezAdminPolicy::apply(const std::vector<std::string>& uuids) const {
    BluezApplyResult result;
    std::optional<ManagedObjects> objects;
    try {
        objects = managedObjects(*bus_, timeout_);
    } catch (const sdbus::Error& error) {
        throw MamoriError(ErrorCode::Failed, "cannot list BlueZ's adapters: " + describe(error));
    }
    if (!objects) {
        return result;
    }
    result.bluezPresent = true;
    std::string failures;
    for (const auto& [path, interfaces] : *objects) {
        if (interfaces.find(std::string(kAdapterInterface)) == interfaces.end()) {
            continue;
        }
        if (interfaces.find(kAdminPolicyInterface) == interfaces.end()) {
            log::warning("Bluetooth adapter " + path +
                         " has no AdminPolicySet1 (bluetoothd's admin plugin is not loaded): "
                         "its services are not restricted");
            result.withoutAdminPolicy.push_back(path);
            continue;
        }
        try {
            auto adapter = sdbus::createProxy(*bus_, kBluezName, path);
            adapter->callMethod("SetServiceAllowList")
                .onInterface(kAdminPolicyInterface)
                .withTimeout(timeout_)
                .withArguments(uuids)
                .storeResultsTo();
            result.applied.push_back(path);
        } catch (const sdbus::Error& error) {
            // Keep going: one broken adapter must not leave the others unrestricted.
            failures += (failures.empty() ? "" : "; ") + path + ": " + describe(error);
        }
    }
    if (!failures.empty()) {
        throw MamoriError(ErrorCode::Failed, "BlueZ refused the service allow-list on " + failures);
    }
    return result;
}

} // namespace mamori::devices
