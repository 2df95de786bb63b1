// Bluetooth on stock kernels: the radio on/off through rfkill, and which Bluetooth services
// (profiles, by UUID) BlueZ may use, through BlueZ's admin policy. Both choices live in
// <stateDirectory>/bluetooth.state so that a reboot or a daemon restart keeps them.
// Not thread-safe: call it from the daemon's loop, like the other engines.
#pragma once

#include "devices/RfkillDevice.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sdbus {
class IConnection;
}

namespace mamori::devices {

class BluezAdminPolicy;

class BluetoothControl {
public:
    // Opens the rfkill node once per operation (read-only to query, read-write to change), so
    // that events queued on a long-lived descriptor never go stale.
    using RfkillOpener = std::function<RfkillDevice(RfkillDevice::Access)>;

    // rfkillPath defaults to /dev/rfkill; stateDirectory holds bluetooth.state (atomic keyfile).
    BluetoothControl(std::filesystem::path stateDirectory,
                     std::filesystem::path rfkillPath = "/dev/rfkill");
    // For tests that play the kernel's side of /dev/rfkill (CI machines have no radio).
    BluetoothControl(std::filesystem::path stateDirectory, RfkillOpener openRfkill);
    ~BluetoothControl();
    BluetoothControl(BluetoothControl&&) noexcept;
    BluetoothControl& operator=(BluetoothControl&&) noexcept;
    BluetoothControl(const BluetoothControl&) = delete;
    BluetoothControl& operator=(const BluetoothControl&) = delete;

    // The bus on which BlueZ (org.bluez) is looked for, normally the system bus; must outlive
    // this object. Without it, bluezAvailable() is false and the allow-list is only persisted.
    // Calls nothing yet: restore() applies the persisted allow-list.
    void attachBus(sdbus::IConnection& bus);

    // At start-up: re-apply the persisted blocked state (if any) and, with a bus attached, the
    // persisted allow-list. Failures are logged, not thrown: the daemon must still start.
    void restore();

    // true when every Bluetooth rfkill switch is soft-blocked (read from rfkill's events); with
    // no switch present (or rfkill unreadable) the persisted choice, which the kernel applies
    // to switches that appear later.
    bool radioBlocked() const;
    // At least one Bluetooth rfkill switch exists.
    bool radioPresent() const;
    // RFKILL_OP_CHANGE_ALL for RFKILL_TYPE_BLUETOOTH; persisted first. Throws
    // MamoriError(Failed, clear text) when the rfkill node can't be opened or written (the
    // persisted state is then what it was before), MamoriError(StateNotSaved) when the state
    // file can't be written (rfkill is then not touched).
    void setRadioBlocked(bool blocked);

    // Service UUIDs in canonical 128-bit lower-case form; empty = no restriction.
    std::vector<std::string> allowedServices() const;
    // Each UUID is a 128-bit UUID or a 16/32-bit short form ("110b", "0x110B", "0000110b"),
    // stored in canonical 128-bit form without duplicates. A malformed one is
    // MamoriError(InvalidArgs) naming it, and nothing changes. Persisted, then applied through
    // BlueZ on every adapter when BlueZ is present; a BlueZ refusal is MamoriError(Failed)
    // (the persisted list stays and is re-applied by restore()).
    void setAllowedServices(std::vector<std::string> uuids);
    // org.bluez answers on the attached bus.
    bool bluezAvailable() const;

    // The canonical 128-bit form of a service UUID; throws MamoriError(InvalidArgs) naming it.
    static std::string canonicalServiceUuid(std::string_view uuid);

private:
    struct Persisted {
        // Which choices the user ever made: restore() re-applies only those, so that a fresh
        // install does not override what the administrator set up outside Mamori.
        bool radioChoiceKnown = false;
        bool radioBlocked = false;
        bool servicesChoiceKnown = false;
        std::vector<std::string> allowedServices;
    };

    Persisted load() const;
    void save(const Persisted& state) const;

    std::filesystem::path stateDirectory_;
    RfkillOpener openRfkill_;
    std::unique_ptr<BluezAdminPolicy> bluez_;
    Persisted persisted_;
};

} // namespace mamori::devices
