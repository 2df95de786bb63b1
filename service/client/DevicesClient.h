// Client side of org.mamori.Mamori1.Devices (with the root object's ObjectManager) and of the
// per-device org.mamori.Mamori1.Device objects, for mamorictl and the tests: the generated
// proxies bound to mamorid's name, plus a plain view of a device's properties.
#pragma once

#include "common/Names.h"
#include "org.mamori.Mamori1.Device.proxy.h"
#include "org.mamori.Mamori1.Devices.proxy.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <type_traits>
#include <vector>

namespace mamori {

using DBusProperties = std::map<std::string, sdbus::Variant>;

// One device as org.mamori.Mamori1.Device describes it.
struct DeviceView {
    struct Interface {
        uint8_t number = 0;
        uint8_t interfaceClass = 0;
        uint8_t subClass = 0;
        uint8_t protocol = 0;
        bool authorized = false;
    };

    std::string path;
    std::string id;
    uint16_t idVendor = 0;
    uint16_t idProduct = 0;
    std::string product;
    std::string manufacturer;
    std::string serial; // masked by mamorid
    std::vector<Interface> interfaces;
    std::string port;
    std::string status;
    std::string decidedBy;
    std::string waitingReason;
    uint64_t connectTimeUsec = 0;

    // Missing properties keep their defaults (an older mamorid may not have them all).
    static DeviceView fromProperties(const std::string& path, const DBusProperties& properties) {
        DeviceView view;
        view.path = path;
        const auto get = [&](const char* name, auto& into) {
            const auto it = properties.find(name);
            if (it != properties.end()) {
                into = it->second.get<std::remove_reference_t<decltype(into)>>();
            }
        };
        get("Id", view.id);
        get("IdVendor", view.idVendor);
        get("IdProduct", view.idProduct);
        get("Product", view.product);
        get("Manufacturer", view.manufacturer);
        get("Serial", view.serial);
        get("Port", view.port);
        get("Status", view.status);
        get("DecidedBy", view.decidedBy);
        get("WaitingReason", view.waitingReason);
        get("ConnectTime", view.connectTimeUsec);
        std::vector<sdbus::Struct<uint8_t, uint8_t, uint8_t, uint8_t, bool>> interfaces;
        get("Interfaces", interfaces);
        for (const auto& i : interfaces) {
            view.interfaces.push_back({i.get<0>(), i.get<1>(), i.get<2>(), i.get<3>(), i.get<4>()});
        }
        return view;
    }
};

class DevicesClient final : public sdbus::ProxyInterfaces<org::mamori::Mamori1::Devices_proxy,
                                                          sdbus::ObjectManager_proxy> {
public:
    // Signals arrive only while the connection's event loop runs; set these before it does.
    std::function<void(const std::string& path, const DBusProperties& device)> deviceAdded;
    std::function<void(const std::string& path)> deviceRemoved;
    std::function<void(const std::string& path)> deviceWaiting;

    explicit DevicesClient(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, std::string(names::kBusName), std::string(names::kRootPath)) {
        registerProxy();
    }
    ~DevicesClient() { unregisterProxy(); }
    DevicesClient(const DevicesClient&) = delete;
    DevicesClient& operator=(const DevicesClient&) = delete;

    // Every device mamorid knows now, ordered by object path.
    std::vector<DeviceView> devices() {
        std::vector<DeviceView> out;
        for (const auto& [path, interfaces] : GetManagedObjects()) {
            const auto it = interfaces.find(std::string(names::iface::kDevice));
            if (it != interfaces.end()) {
                out.push_back(DeviceView::fromProperties(path, it->second));
            }
        }
        return out;
    }

private:
    void onDeviceWaiting(const sdbus::ObjectPath& device) override {
        if (deviceWaiting) {
            deviceWaiting(device);
        }
    }
    void onInterfacesAdded(
        const sdbus::ObjectPath& path,
        const std::map<std::string, DBusProperties>& interfacesAndProperties) override {
        const auto it = interfacesAndProperties.find(std::string(names::iface::kDevice));
        if (it != interfacesAndProperties.end() && deviceAdded) {
            deviceAdded(path, it->second);
        }
    }
    void onInterfacesRemoved(const sdbus::ObjectPath& path,
                             const std::vector<std::string>& interfaces) override {
        const bool device = std::find(interfaces.begin(), interfaces.end(),
                                      std::string(names::iface::kDevice)) != interfaces.end();
        if (device && deviceRemoved) {
            deviceRemoved(path);
        }
    }
};

// One device's object, by the id mamorictl shows (the last element of its path).
class DeviceClient final : public sdbus::ProxyInterfaces<org::mamori::Mamori1::Device_proxy> {
public:
    DeviceClient(sdbus::IConnection& connection, const std::string& id)
        : ProxyInterfaces(connection, std::string(names::kBusName),
                          std::string(names::kDevicesPath) + "/" + id) {
        registerProxy();
    }
    ~DeviceClient() { unregisterProxy(); }
    DeviceClient(const DeviceClient&) = delete;
    DeviceClient& operator=(const DeviceClient&) = delete;
};

} // namespace mamori
