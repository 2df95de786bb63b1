#include "devices/DevicesObject.h"

#include "common/Errors.h"
#include "common/Log.h"
#include "common/Names.h"
#include "devices/DecisionStore.h"
#include "devices/DevicesConfig.h"

#include <algorithm>
#include <chrono>
#include <set>

namespace mamori::devices {
namespace {

// The longest AllowAll window: an emergency escape, not a way to switch protection off (the
// configuration's Enforce=false is that).
constexpr uint32_t kMaxAllowAllSeconds = 3600;

const std::vector<std::string> kEnforcementProperties{"Enforcing", "AllowAllUntil"};

std::vector<sdbus::Struct<std::string, std::string>> namedRules(const UsbEngine& engine) {
    std::vector<sdbus::Struct<std::string, std::string>> out;
    for (const auto& text : engine.storedRules()) {
        out.emplace_back(DecisionStore::nameOf(text), text);
    }
    return out;
}

uint64_t microsSinceEpoch(std::chrono::system_clock::time_point time) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
}

} // namespace

DevicesObject::DevicesObject(sdbus::IConnection& connection, Context context)
    : AdaptorInterfaces(connection, std::string(names::kRootPath))
    , connection_(connection)
    , context_(std::move(context)) {
    registerAdaptor();
}

DevicesObject::~DevicesObject() {
    if (windowTimer_) {
        context_.hooks.cancel(*windowTimer_);
    }
    devices_.clear();
    unregisterAdaptor();
}

UsbEngineEvents DevicesObject::events() {
    return {[this](const UsbDevice& device) { deviceAdded(device); },
            [this](const UsbDevice& device) { deviceChanged(device); },
            [this](const std::string& id) { deviceRemoved(id); }};
}

void DevicesObject::engineStateChanged() {
    if (context_.engineRunning()) {
        // A restarted engine does not report the devices it still knows from before.
        for (const auto& [id, device] : context_.engine().devices()) {
            deviceAdded(device);
        }
    } else {
        devices_.clear();
    }
    emitPropertiesChangedSignal(std::string(names::iface::kDevices),
                                {"Enforcing", "AllowAllUntil", "DefaultPolicy"});
}

void DevicesObject::deviceAdded(const UsbDevice& device) {
    if (devices_.count(device.id) != 0) {
        deviceChanged(device); // reported again, e.g. when the engine restarts
        return;
    }
    try {
        auto object = std::make_unique<DeviceObject>(
            connection_, DeviceObject::Context{context_.authorizer, context_.engine}, device);
        devices_.emplace(device.id, std::move(object));
    } catch (const sdbus::Error& e) {
        // An id that is no valid path element: the device still gets the engine's decision,
        // it just cannot be shown.
        log::error("cannot publish USB device " + device.id + ": " + e.getMessage());
        return;
    }
    if (device.status == DeviceStatus::Waiting) {
        emitDeviceWaiting(sdbus::ObjectPath(devicePath(device.id)));
    }
}

void DevicesObject::deviceChanged(const UsbDevice& device) {
    const auto it = devices_.find(device.id);
    if (it == devices_.end()) {
        deviceAdded(device);
        return;
    }
    const bool wasWaiting = it->second->device().status == DeviceStatus::Waiting;
    it->second->update(device);
    if (!wasWaiting && device.status == DeviceStatus::Waiting) {
        emitDeviceWaiting(sdbus::ObjectPath(devicePath(device.id)));
    }
}

void DevicesObject::deviceRemoved(const std::string& id) {
    devices_.erase(id);
}

std::string DevicesObject::DefaultPolicy() {
    return std::string(defaultPolicyName(context_.engine().defaultPolicy()));
}

bool DevicesObject::Enforcing() {
    const auto& engine = context_.engine();
    return context_.engineRunning() && engine.enforcing() && AllowAllUntil() == 0;
}

uint64_t DevicesObject::AllowAllUntil() {
    const auto until = context_.engine().allowAllUntil();
    if (!until || *until <= std::chrono::system_clock::now()) {
        return 0;
    }
    return microsSinceEpoch(*until);
}

bool DevicesObject::BluetoothBlocked() {
    return context_.bluetooth.radioBlocked();
}

std::vector<std::string> DevicesObject::BluetoothAllowedServices() {
    return context_.bluetooth.allowedServices();
}

bool DevicesObject::BluetoothPolicyEnforced() {
    return context_.bluetooth.bluezAvailable();
}

void DevicesObject::ListRules(
    sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>&& result) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result),
        [this](sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>& reply) {
            reply.returnResults(namedRules(context_.engine()));
        });
}

void DevicesObject::AddRule(sdbus::Result<std::string>&& result, std::string text) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result),
        [this, text = std::move(text)](sdbus::Result<std::string>& reply) {
            auto& engine = context_.engine();
            std::set<std::string> before;
            for (const auto& rule : namedRules(engine)) {
                before.insert(rule.get<0>());
            }
            engine.addRule(text);
            // The name the engine stored it under (a bare expression gets a generated one).
            for (const auto& rule : namedRules(engine)) {
                if (before.count(rule.get<0>()) == 0) {
                    reply.returnResults(rule.get<0>());
                    return;
                }
            }
            reply.returnResults(DecisionStore::nameOf(DecisionStore::canonical(text)));
        });
}

void DevicesObject::RemoveRule(sdbus::Result<>&& result, std::string name) {
    context_.authorizer.authorizeThen(getObject(), std::move(result),
                                      [this, name = std::move(name)](sdbus::Result<>& reply) {
                                          context_.engine().removeRule(name);
                                          reply.returnResults();
                                      });
}

void DevicesObject::SetDefaultPolicy(sdbus::Result<>&& result, std::string policy) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result), [this, policy = std::move(policy)](sdbus::Result<>& reply) {
            const auto parsed = parseDefaultPolicy(policy);
            if (!parsed) {
                throw MamoriError(ErrorCode::InvalidArgs,
                                  "policy: expected allow, ask or block, got '" + policy + "'");
            }
            auto& engine = context_.engine();
            const bool changed = engine.defaultPolicy() != *parsed;
            engine.setDefaultPolicy(*parsed);
            reply.returnResults();
            if (changed) {
                emitPropertiesChangedSignal(std::string(names::iface::kDevices), {"DefaultPolicy"});
            }
        });
}

void DevicesObject::AllowAll(sdbus::Result<>&& result, uint32_t seconds) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result), [this, seconds](sdbus::Result<>& reply) {
            if (seconds > kMaxAllowAllSeconds) {
                throw MamoriError(ErrorCode::InvalidArgs, "seconds: at most " +
                                                              std::to_string(kMaxAllowAllSeconds) +
                                                              ", got " + std::to_string(seconds));
            }
            context_.engine().allowAllFor(std::chrono::seconds(seconds));
            log::notice(seconds == 0 ? std::string("allow-all window closed")
                                     : "allow-all window opened for " + std::to_string(seconds) +
                                           " s: every USB device plugged in is authorized");
            reply.returnResults();
            emitPropertiesChangedSignal(std::string(names::iface::kDevices),
                                        kEnforcementProperties);
            scheduleWindowEnd();
        });
}

// Nothing in the engine reports the end of the window, so a timer announces it.
void DevicesObject::scheduleWindowEnd() {
    if (windowTimer_) {
        context_.hooks.cancel(*windowTimer_);
        windowTimer_.reset();
    }
    const auto until = context_.engine().allowAllUntil();
    if (!until) {
        return;
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*until - std::chrono::system_clock::now());
    windowTimer_ = context_.hooks.after(std::max(left, std::chrono::milliseconds(0)), [this] {
        windowTimer_.reset();
        emitPropertiesChangedSignal(std::string(names::iface::kDevices), kEnforcementProperties);
    });
}

void DevicesObject::SetBluetoothBlocked(sdbus::Result<>&& result, bool blocked) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result), [this, blocked](sdbus::Result<>& reply) {
            const bool before = context_.bluetooth.radioBlocked();
            context_.bluetooth.setRadioBlocked(blocked);
            reply.returnResults();
            if (before != context_.bluetooth.radioBlocked()) {
                emitPropertiesChangedSignal(std::string(names::iface::kDevices),
                                            {"BluetoothBlocked"});
            }
        });
}

void DevicesObject::SetBluetoothAllowedServices(sdbus::Result<>&& result,
                                                std::vector<std::string> uuids) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result), [this, uuids](sdbus::Result<>& reply) {
            // Stored even when BlueZ refuses, so announce the change before reporting that.
            const auto announce = [this] {
                emitPropertiesChangedSignal(std::string(names::iface::kDevices),
                                            {"BluetoothAllowedServices"});
            };
            try {
                context_.bluetooth.setAllowedServices(uuids);
            } catch (const MamoriError& e) {
                if (e.code() == ErrorCode::Failed) {
                    announce();
                }
                throw;
            }
            reply.returnResults();
            announce();
        });
}

} // namespace mamori::devices
