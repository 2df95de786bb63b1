#include "devices/UsbEngine.h"

#include "common/Errors.h"
#include "common/Log.h"
#include "devices/DecisionStore.h"
#include "devices/DeviceIdentity.h"
#include "devices/DevicePolicy.h"
#include "devices/PacketFilter.h"
#include "devices/UdevMonitor.h"
#include "devices/UsbSysfs.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

namespace mamori::devices {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

// Interfaces usually appear within a few milliseconds of their device; a device whose
// interfaces are not all there by then is decided with what its descriptors say.
constexpr std::chrono::milliseconds kInterfaceWait{200};

bool commandLineDisables(const fs::path& path) {
    std::ifstream in(path);
    std::string word;
    while (in >> word) {
        if (word == "mamori.devices=off" || word == "mamori.devices=0" ||
            word == "mamori.devices=no" || word == "mamori.devices=false") {
            return true;
        }
    }
    return false;
}

std::string idFor(const fs::path& sysPath) {
    return DeviceIdentity::idForSysName(sysPath.filename().string());
}

// Interface nodes whose attributes are all there. A node's directory and bInterfaceNumber
// appear before its last attribute, `authorized` (the kernel creates the files one by one
// before the node's uevent; umockdev, in another process, takes milliseconds for them). A
// node counted before `authorized` exists made the allow write fail with ENOENT, so an
// incomplete node counts as not arrived yet: its uevent, or the arrival timeout, comes later.
std::map<uint8_t, fs::path> completeInterfaceNodes(const fs::path& device) {
    auto nodes = UsbSysfs::interfaceNodes(device);
    std::erase_if(nodes, [](const auto& node) {
        std::error_code ec;
        return !fs::exists(node.second / "authorized", ec);
    });
    return nodes;
}

bool contains(const std::vector<uint8_t>& numbers, uint8_t number) {
    return std::find(numbers.begin(), numbers.end(), number) != numbers.end();
}

UsbDevice readUsbDevice(const fs::path& sysPath) {
    UsbDevice device;
    device.id = idFor(sysPath);
    device.sysPath = sysPath.string();
    device.description = UsbSysfs::readDevice(sysPath);
    if (const auto bytes = UsbSysfs::readBytes(sysPath / "descriptors")) {
        device.descriptorHash = DeviceIdentity::sha256Hex(*bytes);
        device.description.descriptorHash = device.descriptorHash;
    }
    const auto nodes = completeInterfaceNodes(sysPath);
    for (const auto& i : device.description.interfaces) {
        const auto node = nodes.find(i.number);
        const bool on = node != nodes.end() && UsbSysfs::authorized(node->second).value_or(false);
        device.interfaces.push_back(
            {i.number, i.interfaceClass, i.interfaceSubClass, i.interfaceProtocol, on});
    }
    device.connectTime = system_clock::now();
    return device;
}

// The status sysfs shows, for devices nobody decided about (present, not enforcing).
DeviceStatus currentStatus(const UsbDevice& device) {
    if (!UsbSysfs::authorized(device.sysPath).value_or(false)) {
        return DeviceStatus::Blocked;
    }
    const bool all = std::all_of(device.interfaces.begin(), device.interfaces.end(),
                                 [](const InterfaceState& i) { return i.authorized; });
    return all ? DeviceStatus::Authorized : DeviceStatus::PartlyAuthorized;
}

// Writes `authorized` when it differs, remembering the old value for the rollback.
template <typename Written>
void setAuthorized(const fs::path& node, bool on, std::vector<Written>& written) {
    const auto current = UsbSysfs::authorized(node);
    if (current && *current == on) {
        return;
    }
    UsbSysfs::write(node, "authorized", on ? "1" : "0");
    written.push_back({node, current.value_or(false)});
}

template <typename Written> void rollBack(const std::vector<Written>& written) {
    for (auto it = written.rbegin(); it != written.rend(); ++it) {
        try {
            UsbSysfs::write(it->node, "authorized", it->previous ? "1" : "0");
        } catch (const std::system_error& e) {
            log::debug(std::string("devices: rollback: ") + e.what()); // node is gone
        }
    }
}

} // namespace

UsbEngine::UsbEngine(EngineHooks hooks, const fs::path& stateDirectory, DevicesConfig config,
                     UsbEngineEvents events)
    : hooks_(std::move(hooks))
    , config_(std::move(config))
    , events_(std::move(events))
    , enforcing_(config_.enforce && !commandLineDisables(config_.kernelCommandLine))
    , store_(std::make_unique<DecisionStore>(stateDirectory))
    , policy_(std::make_unique<DevicePolicy>(config_.ruleFiles, config_.allowFirstKeyboard)) {}

UsbEngine::~UsbEngine() {
    try {
        stop();
    } catch (const std::exception& e) {
        log::error(std::string("devices: stopping: ") + e.what());
    }
}

void UsbEngine::start() {
    if (started_) {
        return;
    }
    if (!enforcing_) {
        log::warning("devices: enforcement is off (config Enforce=false or mamori.devices=off); "
                     "USB devices are only reported");
    }
    if (enforcing_) {
        PacketFilter::apply(policy_->adminRules());
    } else {
        PacketFilter::apply(lbm::RuleFile{}); // no packet rules either: takes an old filter off
    }
    monitor_ = std::make_unique<UdevMonitor>();
    const auto present = monitor_->presentDevices();
    takeOverHubs(present);
    hooks_.watch(monitor_->fd(), [this] { onUevent(); });
    started_ = true;
    reportPresent(present);
}

void UsbEngine::stop() {
    if (!started_) {
        return;
    }
    started_ = false;
    hooks_.unwatch(monitor_->fd());
    monitor_.reset();
    for (const auto& [id, arrival] : arrivals_) {
        hooks_.cancel(arrival.timer);
    }
    arrivals_.clear();
    // Resolved as the timeout would be: nobody is left to answer.
    while (!approvalTimers_.empty()) {
        const auto [id, timer] = *approvalTimers_.begin();
        hooks_.cancel(timer);
        onApprovalTimeout(id);
    }
    restoreHubs();
    // Devices may come and go while stopped; the next start() enumerates sysfs afresh.
    devices_.clear();
}

const std::map<std::string, UsbDevice>& UsbEngine::devices() const {
    return devices_;
}

void UsbEngine::takeOverHubs(const std::vector<std::string>& present) {
    if (!enforcing_) {
        return;
    }
    try {
        for (const auto& path : present) {
            if (UsbSysfs::isRootHub(path)) {
                takeOverHub(path);
            }
        }
    } catch (const std::system_error& e) {
        restoreHubs();
        monitor_.reset();
        throw MamoriError(ErrorCode::Failed,
                          std::string("devices: cannot set hub defaults: ") + e.what());
    }
}

void UsbEngine::takeOverHub(const fs::path& hub) {
    const bool known = std::any_of(hubDefaults_.begin(), hubDefaults_.end(),
                                   [&](const HubDefaults& h) { return h.hub == hub; });
    if (known) {
        return;
    }
    HubDefaults defaults{hub, UsbSysfs::read(hub, "authorized_default"),
                         UsbSysfs::read(hub, "interface_authorized_default")};
    // Remembered before writing, so that a failure half-way is restored too.
    hubDefaults_.push_back(defaults);
    if (defaults.authorizedDefault) {
        UsbSysfs::write(hub, "authorized_default", "0");
    }
    if (defaults.interfaceAuthorizedDefault) {
        UsbSysfs::write(hub, "interface_authorized_default", "0");
    }
}

void UsbEngine::restoreHubs() {
    for (const auto& defaults : hubDefaults_) {
        try {
            if (defaults.authorizedDefault) {
                UsbSysfs::write(defaults.hub, "authorized_default", *defaults.authorizedDefault);
            }
            if (defaults.interfaceAuthorizedDefault) {
                UsbSysfs::write(defaults.hub, "interface_authorized_default",
                                *defaults.interfaceAuthorizedDefault);
            }
        } catch (const std::system_error& e) {
            log::warning(std::string("devices: cannot restore hub defaults: ") + e.what());
        }
    }
    hubDefaults_.clear();
}

void UsbEngine::reportPresent(const std::vector<std::string>& present) {
    for (const auto& path : present) {
        if (UsbSysfs::isRootHub(path) || devices_.count(idFor(path)) != 0) {
            continue;
        }
        try {
            admit(readUsbDevice(path), true);
        } catch (const std::system_error& e) {
            log::debug(std::string("devices: present device gone: ") + e.what());
        }
    }
}

void UsbEngine::onUevent() {
    if (!monitor_) {
        return;
    }
    const UeventBatch batch = monitor_->receive();
    for (const Uevent& event : batch.events) {
        const bool isInterface =
            event.devType == "usb_interface" || UsbSysfs::isInterface(event.sysPath);
        if (event.action == "add") {
            handleAdd(event.sysPath, isInterface);
        } else if (event.action == "remove") {
            handleRemove(event.sysPath, isInterface);
        }
    }
    // After the events that did arrive, so that a device both announced and found in sysfs
    // is already known here and decided once.
    if (batch.eventsLost) {
        reconcile();
    }
}

void UsbEngine::reconcile() {
    log::warning("devices: the udev monitor lost events (receive buffer overflow); "
                 "re-reading /sys/bus/usb/devices");
    std::vector<std::string> present;
    try {
        present = monitor_->presentDevices();
    } catch (const MamoriError& e) {
        log::error(std::string("devices: cannot recover from lost events: ") + e.what());
        return;
    }
    std::map<std::string, std::string> presentById; // id -> sysfs path, root hubs excluded
    for (const auto& path : present) {
        if (!UsbSysfs::isRootHub(path)) {
            presentById.emplace(idFor(path), path);
        }
    }
    // Gone: every device (or arrival) sysfs no longer shows. A device unplugged and plugged
    // back into the same port while events were lost has a new device number: it is a new
    // device, so it leaves here and is decided again below.
    std::vector<std::string> gone;
    for (const auto& [id, device] : devices_) {
        const auto it = presentById.find(id);
        if (it == presentById.end() ||
            UsbSysfs::read(it->second, "devnum") != std::to_string(device.description.devnum)) {
            gone.push_back(device.sysPath);
        }
    }
    for (const auto& [id, arrival] : arrivals_) {
        if (presentById.count(id) == 0) {
            gone.push_back(arrival.sysPath);
        }
    }
    for (const auto& path : gone) {
        handleRemove(path, false);
    }
    // New: hubs first (parents sort before their children), through the path an "add" takes.
    for (const auto& path : present) {
        handleAdd(path, false);
    }
}

void UsbEngine::handleAdd(const std::string& sysPath, bool isInterface) {
    if (isInterface) {
        interfaceArrived(idFor(fs::path(sysPath).parent_path()));
        return;
    }
    if (UsbSysfs::isRootHub(sysPath)) {
        if (enforcing_) {
            try {
                takeOverHub(sysPath); // a controller that appeared after start-up
            } catch (const std::system_error& e) {
                log::warning(std::string("devices: new hub: ") + e.what());
            }
        }
        return;
    }
    const std::string id = idFor(sysPath);
    if (devices_.count(id) == 0 && arrivals_.count(id) == 0) {
        beginArrival(sysPath);
    }
}

void UsbEngine::handleRemove(const std::string& sysPath, bool isInterface) {
    if (isInterface) {
        return; // the device's own "remove" follows
    }
    const std::string id = idFor(sysPath);
    if (const auto arrival = arrivals_.find(id); arrival != arrivals_.end()) {
        hooks_.cancel(arrival->second.timer);
        arrivals_.erase(arrival);
    }
    cancelTimer(id);
    allowedSets_.erase(id);
    if (devices_.erase(id) != 0 && events_.removed) {
        events_.removed(id);
    }
}

void UsbEngine::beginArrival(const std::string& sysPath) {
    const std::string id = idFor(sysPath);
    const std::size_t expected = UsbSysfs::expectedInterfaceCount(sysPath);
    if (completeInterfaceNodes(sysPath).size() >= expected) {
        arrivals_[id] = {sysPath, 0};
        finishArrival(id);
        return;
    }
    const uint64_t timer = hooks_.after(kInterfaceWait, [this, id] { finishArrival(id); });
    arrivals_[id] = {sysPath, timer};
}

void UsbEngine::interfaceArrived(const std::string& deviceId) {
    const auto arrival = arrivals_.find(deviceId);
    if (arrival == arrivals_.end()) {
        return;
    }
    const fs::path sysPath = arrival->second.sysPath;
    if (completeInterfaceNodes(sysPath).size() >= UsbSysfs::expectedInterfaceCount(sysPath)) {
        hooks_.cancel(arrival->second.timer);
        finishArrival(deviceId);
    }
}

void UsbEngine::finishArrival(const std::string& id) {
    const auto arrival = arrivals_.find(id);
    if (arrival == arrivals_.end()) {
        return;
    }
    const std::string sysPath = arrival->second.sysPath;
    arrivals_.erase(arrival);
    try {
        admit(readUsbDevice(sysPath), false);
    } catch (const std::system_error& e) {
        log::debug("devices: " + id + " vanished before it was decided: " + e.what());
    }
}

void UsbEngine::admit(UsbDevice device, bool present) {
    const bool authorized = UsbSysfs::authorized(device.sysPath).value_or(false);
    if (!enforcing_ || (present && authorized && config_.keepPresentDevices)) {
        device.status = currentStatus(device);
        device.decidedBy = enforcing_ ? "present at start-up" : "not enforcing";
    } else {
        try {
            decide(device);
        } catch (const MamoriError& e) {
            if (!fs::exists(device.sysPath)) {
                log::debug("devices: " + device.id + " vanished while being decided");
                return;
            }
            log::warning(std::string("devices: ") + e.what());
            device.status = currentStatus(device);
            device.decidedBy = "error";
        }
    }
    const std::string id = device.id;
    const auto [it, inserted] = devices_.insert_or_assign(id, std::move(device));
    notifyAdded(it->second);
}

void UsbEngine::decide(UsbDevice& device) {
    const PolicyContext context{keyboardAuthorized(), allowAllOpen(), defaultPolicy()};
    const Outcome outcome = policy_->decide(device.description, store_->rules(), context);
    allowedSets_[device.id] = outcome.allowedInterfaces;
    switch (outcome.verdict) {
    case Verdict::Allow:
        applyAllow(device, outcome.allowedInterfaces, outcome.decidedBy);
        device.waitingReason = outcome.waitingReason;
        break;
    case Verdict::Block:
        applyBlock(device, outcome.decidedBy);
        break;
    case Verdict::Ask:
        startWaiting(device, outcome.waitingReason);
        break;
    }
}

void UsbEngine::reconsiderWaiting() {
    std::vector<std::string> waiting;
    for (const auto& [id, timer] : approvalTimers_) {
        waiting.push_back(id);
    }
    for (const auto& id : waiting) {
        UsbDevice updated = devices_.at(id);
        try {
            decide(updated);
        } catch (const MamoriError& e) {
            log::warning(std::string("devices: ") + e.what());
            continue;
        }
        if (updated.status != DeviceStatus::Waiting) {
            cancelTimer(id);
            devices_[id] = std::move(updated);
            notifyChanged(devices_[id]);
        }
    }
}

void UsbEngine::applyAllow(UsbDevice& device, const std::vector<uint8_t>& interfaces,
                           const std::string& decidedBy) {
    std::vector<Written> written;
    std::map<uint8_t, fs::path> nodes;
    try {
        setAuthorized(device.sysPath, true, written);
        // Authorizing the device configures it: its interface nodes exist from here on.
        nodes = completeInterfaceNodes(device.sysPath);
        for (const auto& [number, node] : nodes) {
            setAuthorized(node, contains(interfaces, number), written);
        }
    } catch (const std::system_error& e) {
        rollBack(written);
        throw MamoriError(ErrorCode::Failed,
                          "device " + device.id + ": cannot authorize: " + e.what());
    }
    bool all = true;
    for (auto& interface : device.interfaces) {
        interface.authorized =
            nodes.count(interface.number) != 0 && contains(interfaces, interface.number);
        all = all && interface.authorized;
    }
    device.status = all ? DeviceStatus::Authorized : DeviceStatus::PartlyAuthorized;
    device.decidedBy = decidedBy;
    device.waitingReason.clear();
}

void UsbEngine::applyBlock(UsbDevice& device, const std::string& decidedBy) {
    std::vector<Written> written;
    try {
        setAuthorized(device.sysPath, false, written);
    } catch (const std::system_error& e) {
        throw MamoriError(ErrorCode::Failed, "device " + device.id + ": cannot block: " + e.what());
    }
    if (config_.rejectBlocked) {
        try {
            UsbSysfs::write(device.sysPath, "remove", "1");
        } catch (const std::system_error& e) {
            log::warning("devices: cannot remove " + device.id + ": " + e.what());
        }
    }
    for (auto& interface : device.interfaces) {
        interface.authorized = false;
    }
    device.status = DeviceStatus::Blocked;
    device.decidedBy = decidedBy;
    device.waitingReason.clear();
}

void UsbEngine::startWaiting(UsbDevice& device, const std::string& reason) {
    std::vector<Written> written;
    try {
        setAuthorized(device.sysPath, false, written); // a present device asked about again
    } catch (const std::system_error& e) {
        throw MamoriError(ErrorCode::Failed, "device " + device.id + ": " + e.what());
    }
    for (auto& interface : device.interfaces) {
        interface.authorized = false;
    }
    device.status = DeviceStatus::Waiting;
    device.decidedBy.clear();
    device.waitingReason = reason;
    if (approvalTimers_.count(device.id) == 0) {
        const std::string id = device.id;
        approvalTimers_[id] =
            hooks_.after(config_.approvalTimeout, [this, id] { onApprovalTimeout(id); });
    }
}

void UsbEngine::onApprovalTimeout(const std::string& id) {
    approvalTimers_.erase(id);
    const auto it = devices_.find(id);
    if (it == devices_.end() || it->second.status != DeviceStatus::Waiting) {
        return;
    }
    UsbDevice updated = it->second;
    try {
        applyBlock(updated, "timeout");
    } catch (const MamoriError& e) {
        log::warning(std::string("devices: ") + e.what());
        return;
    }
    it->second = std::move(updated);
    notifyChanged(it->second);
}

void UsbEngine::cancelTimer(const std::string& id) {
    if (const auto it = approvalTimers_.find(id); it != approvalTimers_.end()) {
        hooks_.cancel(it->second);
        approvalTimers_.erase(it);
    }
}

UsbDevice& UsbEngine::find(const std::string& id) {
    const auto it = devices_.find(id);
    if (it == devices_.end()) {
        throw MamoriError(ErrorCode::NotFound, "device: no USB device '" + id + "'");
    }
    return it->second;
}

void UsbEngine::authorize(const std::string& id, Scope scope,
                          const std::vector<uint8_t>& interfaces) {
    UsbDevice& device = find(id);
    for (const auto number : interfaces) {
        const bool known = std::any_of(device.interfaces.begin(), device.interfaces.end(),
                                       [&](const InterfaceState& i) { return i.number == number; });
        if (!known) {
            throw MamoriError(ErrorCode::InvalidArgs, "interfaces: device " + id +
                                                          " has no interface " +
                                                          std::to_string(number));
        }
    }
    const std::vector<uint8_t> chosen = interfaces.empty() ? allowedSets_[id] : interfaces;
    applyUserAnswer(device, scope,
                    DeviceIdentity::allowRules(device.description, chosen, config_.bindRulesToPort),
                    [&](UsbDevice& updated) { applyAllow(updated, chosen, "user"); });
}

void UsbEngine::block(const std::string& id, Scope scope) {
    UsbDevice& device = find(id);
    applyUserAnswer(device, scope,
                    DeviceIdentity::blockRules(device.description, config_.bindRulesToPort),
                    [&](UsbDevice& updated) { applyBlock(updated, "user"); });
}

// Stores the "always" rules first, then writes sysfs; when the write fails the stored rules
// are put back, so a failed answer leaves neither sysfs nor the store half changed.
void UsbEngine::applyUserAnswer(UsbDevice& device, Scope scope,
                                const std::vector<std::string>& alwaysRules,
                                const std::function<void(UsbDevice&)>& apply) {
    const std::vector<std::string> previousRules = store_->texts();
    if (scope == Scope::Always) {
        storeRulesFor(device, alwaysRules);
    }
    UsbDevice updated = device;
    try {
        apply(updated);
    } catch (const MamoriError&) {
        if (scope == Scope::Always) {
            store_->assign(previousRules);
        }
        throw;
    }
    cancelTimer(device.id);
    device = std::move(updated);
    notifyChanged(device);
}

// A new decision about a device replaces the rules stored for it earlier; it goes first, so
// that it wins over broader rules the user added by hand.
void UsbEngine::storeRulesFor(const UsbDevice& device, const std::vector<std::string>& rules) {
    const std::string name = DeviceIdentity::ruleName(device.description, config_.bindRulesToPort);
    const std::string interfaceName = DeviceIdentity::interfaceRuleName(name);
    std::vector<std::string> texts;
    texts.reserve(rules.size() + store_->texts().size());
    for (const auto& rule : rules) {
        texts.push_back(DecisionStore::canonical(rule));
    }
    for (const auto& text : store_->texts()) {
        const std::string existing = DecisionStore::nameOf(text);
        if (existing != name && existing != interfaceName) {
            texts.push_back(text);
        }
    }
    store_->assign(texts);
}

std::vector<std::string> UsbEngine::storedRules() const {
    return store_->texts();
}

void UsbEngine::addRule(const std::string& ruleText) {
    const std::string text = DecisionStore::canonical(ruleText);
    const std::string name = DecisionStore::nameOf(text);
    if (store_->contains(name)) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "rule: a rule named '" + name + "' is already stored");
    }
    std::vector<std::string> texts = store_->texts();
    texts.push_back(text);
    store_->assign(texts);
    reconsiderWaiting();
}

void UsbEngine::removeRule(const std::string& name) {
    std::vector<std::string> texts = store_->texts();
    const auto it = std::find_if(texts.begin(), texts.end(), [&](const std::string& text) {
        return DecisionStore::nameOf(text) == name;
    });
    if (it == texts.end()) {
        throw MamoriError(ErrorCode::NotFound, "name: no stored rule named '" + name + "'");
    }
    texts.erase(it);
    store_->assign(texts);
}

DefaultPolicy UsbEngine::defaultPolicy() const {
    return store_->defaultPolicy().value_or(config_.defaultPolicy);
}

void UsbEngine::setDefaultPolicy(DefaultPolicy policy) {
    store_->setDefaultPolicy(policy);
    reconsiderWaiting();
}

void UsbEngine::allowAllFor(std::chrono::seconds duration) {
    if (duration.count() <= 0) {
        allowAllUntil_.reset();
        return;
    }
    allowAllUntil_ = system_clock::now() + duration;
    log::notice("devices: every new USB device is allowed for " + std::to_string(duration.count()) +
                " s");
    reconsiderWaiting(); // the escape also frees what is waiting now
}

std::optional<system_clock::time_point> UsbEngine::allowAllUntil() const {
    return allowAllOpen() ? allowAllUntil_ : std::nullopt;
}

bool UsbEngine::allowAllOpen() const {
    return allowAllUntil_ && system_clock::now() < *allowAllUntil_;
}

bool UsbEngine::enforcing() const {
    return enforcing_;
}

bool UsbEngine::keyboardAuthorized() const {
    return std::any_of(devices_.begin(), devices_.end(), [](const auto& entry) {
        const UsbDevice& d = entry.second;
        if (d.status != DeviceStatus::Authorized && d.status != DeviceStatus::PartlyAuthorized) {
            return false;
        }
        return std::any_of(d.interfaces.begin(), d.interfaces.end(), [](const InterfaceState& i) {
            return i.authorized && DevicePolicy::isKeyboard(
                                       {i.number, i.interfaceClass, i.subClass, i.protocol, {}});
        });
    });
}

void UsbEngine::notifyAdded(const UsbDevice& device) const {
    if (events_.added) {
        events_.added(device);
    }
}

void UsbEngine::notifyChanged(const UsbDevice& device) const {
    if (events_.changed) {
        events_.changed(device);
    }
}

} // namespace mamori::devices
