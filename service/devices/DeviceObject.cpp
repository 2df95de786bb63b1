#include "devices/DeviceObject.h"

#include "common/Errors.h"
#include "common/Names.h"

#include <chrono>

namespace mamori::devices {
namespace {

bool sameInterfaces(const std::vector<InterfaceState>& a, const std::vector<InterfaceState>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const InterfaceState& x, const InterfaceState& y) {
                          return x.number == y.number && x.interfaceClass == y.interfaceClass &&
                                 x.subClass == y.subClass && x.protocol == y.protocol &&
                                 x.authorized == y.authorized;
                      });
}

} // namespace

std::string maskSerial(const std::string& serial) {
    constexpr size_t kShown = 4;
    std::string masked(serial.size(), '*');
    if (serial.size() > kShown) {
        masked.replace(serial.size() - kShown, kShown, serial, serial.size() - kShown);
    }
    return masked;
}

std::string statusName(DeviceStatus status) {
    switch (status) {
    case DeviceStatus::Waiting:
        return std::string(names::device::kStatusWaiting);
    case DeviceStatus::Authorized:
        return std::string(names::device::kStatusAuthorized);
    case DeviceStatus::PartlyAuthorized:
        return std::string(names::device::kStatusPartlyAuthorized);
    case DeviceStatus::Blocked:
        return std::string(names::device::kStatusBlocked);
    }
    return std::string(names::device::kStatusBlocked);
}

Scope parseScope(const std::string& scope) {
    if (scope == names::device::kScopeOnce) {
        return Scope::Once;
    }
    if (scope == names::device::kScopeAlways) {
        return Scope::Always;
    }
    throw MamoriError(ErrorCode::InvalidArgs,
                      "scope: expected '" + std::string(names::device::kScopeOnce) + "' or '" +
                          std::string(names::device::kScopeAlways) + "', got '" + scope + "'");
}

std::string devicePath(const std::string& id) {
    return std::string(names::kDevicesPath) + "/" + id;
}

DeviceObject::DeviceObject(sdbus::IConnection& connection, Context context, const UsbDevice& device)
    : AdaptorInterfaces(connection, devicePath(device.id))
    , context_(std::move(context))
    , device_(device) {
    registerAdaptor();
    emitInterfacesAddedSignal({std::string(names::iface::kDevice)});
}

DeviceObject::~DeviceObject() {
    emitInterfacesRemovedSignal({std::string(names::iface::kDevice)});
    unregisterAdaptor();
}

void DeviceObject::update(const UsbDevice& device) {
    std::vector<std::string> changed;
    if (device.status != device_.status) {
        changed.emplace_back("Status");
    }
    if (device.decidedBy != device_.decidedBy) {
        changed.emplace_back("DecidedBy");
    }
    if (device.waitingReason != device_.waitingReason) {
        changed.emplace_back("WaitingReason");
    }
    if (!sameInterfaces(device.interfaces, device_.interfaces)) {
        changed.emplace_back("Interfaces");
    }
    device_ = device;
    if (!changed.empty()) {
        emitPropertiesChangedSignal(std::string(names::iface::kDevice), changed);
    }
}

std::string DeviceObject::Id() {
    return device_.id;
}

uint16_t DeviceObject::IdVendor() {
    return device_.description.idVendor;
}

uint16_t DeviceObject::IdProduct() {
    return device_.description.idProduct;
}

std::string DeviceObject::Product() {
    return device_.description.product.value_or("");
}

std::string DeviceObject::Manufacturer() {
    return device_.description.manufacturer.value_or("");
}

std::string DeviceObject::Serial() {
    return maskSerial(device_.description.serial.value_or(""));
}

std::vector<sdbus::Struct<uint8_t, uint8_t, uint8_t, uint8_t, bool>> DeviceObject::Interfaces() {
    std::vector<sdbus::Struct<uint8_t, uint8_t, uint8_t, uint8_t, bool>> out;
    out.reserve(device_.interfaces.size());
    for (const auto& i : device_.interfaces) {
        out.emplace_back(i.number, i.interfaceClass, i.subClass, i.protocol, i.authorized);
    }
    return out;
}

std::string DeviceObject::Port() {
    return device_.description.portPath;
}

std::string DeviceObject::Status() {
    return statusName(device_.status);
}

std::string DeviceObject::DecidedBy() {
    return device_.decidedBy;
}

std::string DeviceObject::WaitingReason() {
    return device_.waitingReason;
}

uint64_t DeviceObject::ConnectTime() {
    const auto since = device_.connectTime.time_since_epoch();
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(since).count());
}

// The work lambdas capture the id and the engine accessor, never `this`: the device may be
// unplugged (and this object destroyed) while polkit is still deciding.
void DeviceObject::Authorize(sdbus::Result<>&& result, std::string scope,
                             std::vector<uint8_t> interfaces) {
    context_.authorizer.authorizeThen(getObject(), std::move(result),
                                      [engine = context_.engine, id = device_.id,
                                       scope = std::move(scope),
                                       interfaces = std::move(interfaces)](sdbus::Result<>& reply) {
                                          engine().authorize(id, parseScope(scope), interfaces);
                                          reply.returnResults();
                                      });
}

void DeviceObject::Block(sdbus::Result<>&& result, std::string scope) {
    context_.authorizer.authorizeThen(getObject(), std::move(result),
                                      [engine = context_.engine, id = device_.id,
                                       scope = std::move(scope)](sdbus::Result<>& reply) {
                                          engine().block(id, parseScope(scope));
                                          reply.returnResults();
                                      });
}

} // namespace mamori::devices
