// USB device authorization: makes root hubs leave new devices unauthorized, watches udev for
// them, decides per device and per interface (stored rules, administrator rules, no-lockout
// exceptions, allow-all window, default policy) and writes the decisions to sysfs. Devices
// nobody decided about wait for authorize()/block() until a timeout blocks them.
// Single-threaded: every call and every callback happens on the loop behind EngineHooks.
#pragma once

#include "common/EngineHooks.h"
#include "devices/DevicesConfig.h"
#include "lbm/DeviceDescription.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mamori::devices {

class UdevMonitor;
class DecisionStore;
class DevicePolicy;

enum class Scope { Once, Always };
// PartlyAuthorized: the device is on, some of its interfaces are off.
enum class DeviceStatus { Waiting, Authorized, Blocked, PartlyAuthorized };

struct InterfaceState {
    uint8_t number = 0;
    uint8_t interfaceClass = 0;
    uint8_t subClass = 0;
    uint8_t protocol = 0;
    bool authorized = false;
};

struct UsbDevice {
    // D-Bus path element: "usb_" + sysfs name with '-' and '.' as '_' (e.g. usb_1_2_3).
    std::string id;
    std::string sysPath; // /sys/devices/...
    lbm::DeviceDescription description;
    std::string descriptorHash; // hex SHA-256 of the sysfs `descriptors` file
    DeviceStatus status = DeviceStatus::Waiting;
    std::vector<InterfaceState> interfaces;
    std::chrono::system_clock::time_point connectTime;
    // Rule name, "present at start-up", "first keyboard", "default policy", "user", "timeout",
    // "allow-all", "not enforcing".
    std::string decidedBy;
    // When Waiting: why (e.g. "no rule matched; default policy is ask"). When
    // PartlyAuthorized: which interfaces are held back and why.
    std::string waitingReason;
};

struct UsbEngineEvents {
    std::function<void(const UsbDevice&)> added;
    std::function<void(const UsbDevice&)> changed;
    std::function<void(const std::string& id)> removed;
};

class UsbEngine {
public:
    // Loads the stored rules and default policy from `stateDirectory` (created when missing)
    // and the administrator rule files named in `config`. Throws MamoriError(BadConfig) when
    // an administrator rule file is malformed.
    UsbEngine(EngineHooks hooks, const std::filesystem::path& stateDirectory, DevicesConfig config,
              UsbEngineEvents events);
    UsbEngine(const UsbEngine&) = delete;
    UsbEngine& operator=(const UsbEngine&) = delete;
    ~UsbEngine(); // calls stop()

    // authorized_default=0 and interface_authorized_default=0 on every root hub (old values
    // remembered); present devices are kept as they are (KeepPresentDevices) and reported
    // through `added`; the udev monitor starts. Does nothing to sysfs when not enforcing.
    void start();
    // Restores every hub's previous defaults and stops the monitor. Pending approvals end as
    // the timeout would (blocked); devices already authorized stay so. Idempotent.
    void stop();

    const std::map<std::string, UsbDevice>& devices() const;

    // Throw MamoriError(NotFound) for an unknown id, InvalidArgs naming the argument for bad
    // interface numbers. Nothing is half-applied on error: when a sysfs write fails, what was
    // written is rolled back and MamoriError(Failed) is thrown.
    // `interfaces` empty = the device's allowed set: every interface no rule drops or asks
    // about, minus the HID interfaces of a BadUSB-looking device (those need naming).
    void authorize(const std::string& id, Scope scope, const std::vector<uint8_t>& interfaces = {});
    void block(const std::string& id, Scope scope);

    // The stored rules, one string per rule, in rule-language syntax.
    std::vector<std::string> storedRules() const;
    // Parsed and type-checked; a RuleError becomes MamoriError(InvalidArgs, "rule: file:line:col:
    // ..."); a name already stored is InvalidArgs too. Persisted before it takes effect.
    void addRule(const std::string& ruleText);
    void removeRule(const std::string& name); // NotFound if absent

    DefaultPolicy defaultPolicy() const;
    void setDefaultPolicy(DefaultPolicy policy); // persisted

    // Emergency escape: every new device is allowed until the window runs out. Zero ends it.
    void allowAllFor(std::chrono::seconds duration);
    // When the current allow-all window ends; std::nullopt when none is open.
    std::optional<std::chrono::system_clock::time_point> allowAllUntil() const;

    // false when config Enforce=false or the kernel command line says mamori.devices=off.
    bool enforcing() const;

private:
    // A device whose interface nodes are still appearing.
    struct Arrival {
        std::string sysPath;
        uint64_t timer = 0;
    };
    // A root hub's defaults before start(), restored by stop().
    struct HubDefaults {
        std::filesystem::path hub;
        std::optional<std::string> authorizedDefault;
        std::optional<std::string> interfaceAuthorizedDefault;
    };
    // An attribute changed by one decision, for the rollback when a later write fails.
    struct Written {
        std::filesystem::path node;
        bool previous = false;
    };

    void takeOverHubs(const std::vector<std::string>& present);
    void takeOverHub(const std::filesystem::path& hub);
    void restoreHubs();
    void reportPresent(const std::vector<std::string>& present);
    void onUevent();
    // After the monitor lost events: devices sysfs shows and the engine does not know go
    // through the normal arrival; known ones that vanished are removed; the rest is untouched.
    void reconcile();
    void handleAdd(const std::string& sysPath, bool isInterface);
    void handleRemove(const std::string& sysPath, bool isInterface);
    void beginArrival(const std::string& sysPath);
    void interfaceArrived(const std::string& deviceId);
    void finishArrival(const std::string& id);
    void admit(UsbDevice device, bool present);
    void decide(UsbDevice& device);
    void reconsiderWaiting();
    void applyAllow(UsbDevice& device, const std::vector<uint8_t>& interfaces,
                    const std::string& decidedBy);
    void applyBlock(UsbDevice& device, const std::string& decidedBy);
    void startWaiting(UsbDevice& device, const std::string& reason);
    void onApprovalTimeout(const std::string& id);
    void cancelTimer(const std::string& id);
    void storeRulesFor(const UsbDevice& device, const std::vector<std::string>& rules);
    void applyUserAnswer(UsbDevice& device, Scope scope,
                         const std::vector<std::string>& alwaysRules,
                         const std::function<void(UsbDevice&)>& apply);
    bool keyboardAuthorized() const;
    bool allowAllOpen() const;
    UsbDevice& find(const std::string& id);
    void notifyAdded(const UsbDevice& device) const;
    void notifyChanged(const UsbDevice& device) const;

    EngineHooks hooks_;
    DevicesConfig config_;
    UsbEngineEvents events_;
    bool enforcing_ = true;
    bool started_ = false;
    std::unique_ptr<DecisionStore> store_;
    std::unique_ptr<DevicePolicy> policy_;
    std::unique_ptr<UdevMonitor> monitor_;
    std::vector<HubDefaults> hubDefaults_;
    std::map<std::string, UsbDevice> devices_;
    std::map<std::string, std::vector<uint8_t>>
        allowedSets_; // what authorize() without a list turns on
    std::map<std::string, Arrival> arrivals_;
    std::map<std::string, uint64_t> approvalTimers_;
    std::optional<std::chrono::system_clock::time_point> allowAllUntil_;
};

} // namespace mamori::devices
