// org.mamori.Mamori1.Device at /org/mamori/Mamori1/devices/<id>: one USB device, from the
// engine's `added` to its `removed`. Announced through the root object's ObjectManager
// (InterfacesAdded on construction, InterfacesRemoved on destruction); changes of what it shows
// are announced with PropertiesChanged.
#pragma once

#include "core/Authorizer.h"
#include "devices/UsbEngine.h"
#include "org.mamori.Mamori1.Device.adaptor.h"

#include <functional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>

namespace mamori::devices {

// The serial as the Device object shows it: all but the last four characters replaced by '*',
// a serial of four characters or fewer masked entirely (see the Serial property's XML).
std::string maskSerial(const std::string& serial);
std::string statusName(DeviceStatus status);
// "once"/"always"; anything else is InvalidArgs naming `scope`.
Scope parseScope(const std::string& scope);
std::string devicePath(const std::string& id);

class DeviceObject final
    : public sdbus::AdaptorInterfaces<org::mamori::Mamori1::Device_adaptor,
                                      sdbus::ManagedObject_adaptor, sdbus::Properties_adaptor> {
public:
    struct Context {
        Authorizer& authorizer;
        // The engine at the time a decision arrives; the device may be gone by then (the
        // engine says NotFound), and the engine itself may have been replaced by a reload.
        std::function<UsbEngine&()> engine;
    };

    DeviceObject(sdbus::IConnection& connection, Context context, const UsbDevice& device);
    ~DeviceObject();
    DeviceObject(const DeviceObject&) = delete;
    DeviceObject& operator=(const DeviceObject&) = delete;

    // Takes the engine's new view of the device and announces what changed.
    void update(const UsbDevice& device);
    const UsbDevice& device() const { return device_; }

private:
    std::string Id() override;
    uint16_t IdVendor() override;
    uint16_t IdProduct() override;
    std::string Product() override;
    std::string Manufacturer() override;
    std::string Serial() override;
    std::vector<sdbus::Struct<uint8_t, uint8_t, uint8_t, uint8_t, bool>> Interfaces() override;
    std::string Port() override;
    std::string Status() override;
    std::string DecidedBy() override;
    std::string WaitingReason() override;
    uint64_t ConnectTime() override;

    void Authorize(sdbus::Result<>&& result, std::string scope,
                   std::vector<uint8_t> interfaces) override;
    void Block(sdbus::Result<>&& result, std::string scope) override;

    Context context_;
    UsbDevice device_;
};

} // namespace mamori::devices
