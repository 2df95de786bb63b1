// BlueZ's admin policy (org.bluez.AdminPolicySet1, BlueZ >= 5.62 with its admin plugin): limits
// which Bluetooth services (profile UUIDs) bluetoothd lets any device use, per adapter. Found
// through org.bluez's ObjectManager, so every adapter present gets the same list.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sdbus {
class IConnection;
}

namespace mamori::devices {

struct BluezApplyResult {
    // org.bluez answered on the bus.
    bool bluezPresent = false;
    // Adapter object paths that accepted the list.
    std::vector<std::string> applied;
    // Adapters without AdminPolicySet1 (bluetoothd's admin plugin not loaded): not applied.
    std::vector<std::string> withoutAdminPolicy;
};

class BluezAdminPolicy {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

    // `bus` must outlive this object. Calls are synchronous with `timeout` each: bluetoothd is
    // local and answers these from memory.
    explicit BluezAdminPolicy(sdbus::IConnection& bus,
                              std::chrono::milliseconds timeout = kDefaultTimeout);

    // org.bluez answers GetManagedObjects. No owner (ServiceUnknown, NameHasNoOwner) is simply
    // false; other failures are logged and are false too.
    bool available() const;

    // SetServiceAllowList(uuids) on every org.bluez.Adapter1 that has AdminPolicySet1; an empty
    // list lifts the restriction. Absent BlueZ is not an error (bluezPresent=false). Every
    // adapter is tried; then MamoriError(Failed) names each one that refused and BlueZ's error
    // (the others keep the new list: the caller persists it and re-applies on restore).
    BluezApplyResult apply(const std::vector<std::string>& uuids) const;

private:
    sdbus::IConnection* bus_;
    std::chrono::milliseconds timeout_;
};

} // namespace mamori::devices
