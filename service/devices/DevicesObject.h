// org.mamori.Mamori1.Devices at /org/mamori/Mamori1 (beside the Manager), the ObjectManager
// there, and one DeviceObject per USB device the engine reports. The engine's events come in
// through events(); the D-Bus methods go to the engine and to BluetoothControl.
#pragma once

#include "common/EngineHooks.h"
#include "core/Authorizer.h"
#include "devices/BluetoothControl.h"
#include "devices/DeviceObject.h"
#include "devices/UsbEngine.h"
#include "org.mamori.Mamori1.Devices.adaptor.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>

namespace mamori::devices {

class DevicesObject final
    : public sdbus::AdaptorInterfaces<org::mamori::Mamori1::Devices_adaptor,
                                      sdbus::ObjectManager_adaptor, sdbus::Properties_adaptor> {
public:
    struct Context {
        Authorizer& authorizer;
        EngineHooks hooks; // a timer announces the end of an AllowAll window
        // The current engine (a reload may replace it) and whether it runs.
        std::function<UsbEngine&()> engine;
        std::function<bool()> engineRunning;
        BluetoothControl& bluetooth;
    };

    DevicesObject(sdbus::IConnection& connection, Context context);
    ~DevicesObject();
    DevicesObject(const DevicesObject&) = delete;
    DevicesObject& operator=(const DevicesObject&) = delete;

    // What a UsbEngine reports through; the engine must not outlive this object.
    UsbEngineEvents events();
    // After the engine started or stopped (or was replaced): announces Enforcing, and when the
    // engine no longer runs removes the device objects, since nothing keeps them current.
    void engineStateChanged();

private:
    std::string DefaultPolicy() override;
    bool Enforcing() override;
    uint64_t AllowAllUntil() override;
    bool BluetoothBlocked() override;
    std::vector<std::string> BluetoothAllowedServices() override;
    bool BluetoothPolicyEnforced() override;

    void ListRules(
        sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>&& result) override;
    void AddRule(sdbus::Result<std::string>&& result, std::string text) override;
    void RemoveRule(sdbus::Result<>&& result, std::string name) override;
    void SetDefaultPolicy(sdbus::Result<>&& result, std::string policy) override;
    void AllowAll(sdbus::Result<>&& result, uint32_t seconds) override;
    void SetBluetoothBlocked(sdbus::Result<>&& result, bool blocked) override;
    void SetBluetoothAllowedServices(sdbus::Result<>&& result,
                                     std::vector<std::string> uuids) override;

    void deviceAdded(const UsbDevice& device);
    void deviceChanged(const UsbDevice& device);
    void deviceRemoved(const std::string& id);
    void scheduleWindowEnd();

    sdbus::IConnection& connection_;
    Context context_;
    std::map<std::string, std::unique_ptr<DeviceObject>> devices_;
    std::optional<uint64_t> windowTimer_;
};

} // namespace mamori::devices
