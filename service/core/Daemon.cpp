#include "core/Daemon.h"

#include "common/Errors.h"
#include "common/Log.h"
#include "common/Names.h"
#include "core/Authorizer.h"
#include "core/Config.h"
#include "core/EngineRequirements.h"
#include "core/EngineSettings.h"
#include "core/EventLoop.h"
#include "core/ManagerObject.h"
#include "core/StateStore.h"
#include "devices/BluetoothControl.h"
#include "devices/DevicesObject.h"
#include "devices/UsbEngine.h"
#include "dns/DnsEngine.h"
#include "dns/DnsObject.h"
#include "kernel/FeatureProbe.h"
#include "sandbox/supervisor/SandboxObject.h"
#include "sandbox/supervisor/SandboxSupervisor.h"

#include <csignal>
#include <cstdlib>
#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-daemon.h>

namespace mamori {
namespace {

std::filesystem::path firstOfEnv(const char* variable, const std::filesystem::path& fallback) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') {
        return fallback;
    }
    // systemd joins several directories with ':'; the first is ours.
    const std::string_view list(value);
    return {std::string(list.substr(0, list.find(':')))};
}

void logFeatures(const kernel::FeatureReport& report) {
    std::string available;
    for (const auto& [name, result] : report.features) {
        if (result.available) {
            available += (available.empty() ? "" : ", ") + name;
        } else {
            log::info("kernel feature " + name + " unavailable: " + result.detail);
        }
    }
    log::info("kernel features available: " + (available.empty() ? "none" : available));
}

void warnAboutEngines(const EngineSettings& engines, const kernel::FeatureReport& report) {
    for (const Engine engine : kAllEngines) {
        if (!engines.enabled(engine)) {
            continue;
        }
        if (const auto missing = missingRequirement(engine, report)) {
            log::warning("engine is switched on but cannot run here: " + *missing);
        }
    }
}

// Everything that lives while the daemon is on the bus, in construction order. The loop
// outlives it: engines unwatch their descriptors and cancel their timers when they go.
class Service {
public:
    Service(const DaemonPaths& paths, Config config, sdbus::IConnection& connection,
            EventLoop& loop)
        : paths_(paths)
        , config_(std::move(config))
        , loop_(loop)
        , features_(kernel::FeatureProbe{}.run())
        , store_(paths.stateDirectory)
        , engines_(store_)
        , authorizer_(connection, config_.polkitTimeout)
        , bluetooth_(paths.stateDirectory) {
        logFeatures(features_);
        engines_.load(config_);
        warnAboutEngines(engines_, features_);
        bluetooth_.attachBus(connection);
        manager_.emplace(connection,
                         ManagerObject::Context{authorizer_, engines_, store_, features_,
                                                [this] { reload(); }, [this] { applyEngines(); }});
        devicesObject_.emplace(connection, devices::DevicesObject::Context{
                                               authorizer_, hooks(),
                                               [this]() -> devices::UsbEngine& { return *usb_; },
                                               [this] { return usbRunning_; }, bluetooth_});
        usb_ = makeUsbEngine(config_.devices); // throws BadConfig: refuse to start
        // The administrator's profiles live beside mamori.conf (/etc/mamori/profiles).
        sandboxObject_.emplace(
            connection, sandbox::SandboxObject::Context{
                            authorizer_,
                            sandbox::AdminProfileStore(paths.configFile.parent_path() / "profiles"),
                            [this]() -> sandbox::SandboxSupervisor& { return *supervisor_; }});
        supervisor_.emplace(hooks(), sandboxObject_->events());
        dnsObject_.emplace(
            connection,
            dns::DnsObject::Context{authorizer_, [this]() -> dns::DnsEngine& { return *dns_; }});
        dns_ = makeDnsEngine(config_.dns); // throws BadConfig for a broken shipped list
        try {
            applyEngines();
        } catch (const std::exception& e) {
            // The daemon still serves the other engines and can be told to try again.
            log::error(e.what());
        }
    }

    ~Service() {
        // Hubs get their defaults back before the objects that report devices go.
        stopUsb();
        usb_.reset();
        // DNS goes straight to the system's resolvers again before the stub closes.
        dns_.reset();
    }

    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    void reload() {
        auto loaded = loadConfig(paths_.configFile); // throws BadConfig, keeping the old one
        // A changed [Devices] group needs a new engine; build it first so that a bad rule
        // file refuses the reload instead of leaving no engine.
        std::unique_ptr<devices::UsbEngine> next;
        if (loaded.config.devices != config_.devices) {
            next = makeUsbEngine(loaded.config.devices);
        }
        std::unique_ptr<dns::DnsEngine> nextDns;
        if (loaded.config.dns != config_.dns) {
            dns_->saveState(); // the new engine reads the exposure and apps from disk
            nextDns = makeDnsEngine(loaded.config.dns);
        }
        for (const auto& warning : loaded.warnings) {
            log::warning(warning);
        }
        config_ = std::move(loaded.config);
        log::setThreshold(config_.logLevel);
        authorizer_.setTimeout(config_.polkitTimeout);
        engines_.load(config_);
        warnAboutEngines(engines_, features_);
        if (next) {
            stopUsb();
            usb_ = std::move(next);
            log::notice("devices configuration changed; USB engine rebuilt");
        }
        if (nextDns) {
            dns_->stop();
            dns_ = std::move(nextDns);
            log::notice("DNS configuration changed; DNS engine rebuilt");
        }
        applyEngines();
        log::notice("configuration and state reloaded");
    }

    void announceStateChanged() { manager_->announceStateChanged(); }

private:
    EngineHooks hooks() {
        return {[this](int fd, std::function<void()> onReadable) {
                    loop_.watch(fd, std::move(onReadable));
                },
                [this](int fd) { loop_.unwatch(fd); },
                [this](std::chrono::milliseconds delay, std::function<void()> callback) {
                    return loop_.after(delay, std::move(callback));
                },
                [this](uint64_t id) { loop_.cancel(id); }};
    }

    std::unique_ptr<devices::UsbEngine> makeUsbEngine(const devices::DevicesConfig& config) {
        return std::make_unique<devices::UsbEngine>(hooks(), paths_.stateDirectory, config,
                                                    devicesObject_->events());
    }

    std::unique_ptr<dns::DnsEngine> makeDnsEngine(const dns::DnsConfig& config) {
        return std::make_unique<dns::DnsEngine>(hooks(), config, paths_.stateDirectory,
                                                dnsObject_->events());
    }

    // Brings the running engines in line with the switches (start-up, SetEngineEnabled, reload).
    // Each engine is tried; the first failure is reported after all were.
    void applyEngines() {
        std::exception_ptr failure;
        for (const auto& apply : {&Service::applyDevices, &Service::applyDns}) {
            try {
                (this->*apply)();
            } catch (...) {
                failure = failure ? failure : std::current_exception();
            }
        }
        if (failure) {
            std::rethrow_exception(failure);
        }
    }

    void applyDns() {
        const bool wanted = engines_.enabled(Engine::Dns);
        if (wanted == dns_->running()) {
            return;
        }
        if (wanted) {
            dns_->start(); // throws MamoriError(Failed) naming the reason; nothing attached
        } else {
            dns_->stop();
        }
        dnsObject_->engineStateChanged();
    }

    void applyDevices() {
        const bool wanted = engines_.enabled(Engine::Devices);
        if (wanted == usbRunning_) {
            return;
        }
        if (!wanted) {
            stopUsb();
            return;
        }
        try {
            usb_->start();
        } catch (const std::exception& e) {
            usb_->stop(); // gives back whatever hub defaults it had already changed
            throw MamoriError(ErrorCode::Failed,
                              std::string("the devices engine could not start: ") + e.what());
        }
        usbRunning_ = true;
        bluetooth_.restore();
        devicesObject_->engineStateChanged();
        log::notice("devices engine started");
    }

    void stopUsb() {
        if (!usbRunning_) {
            return;
        }
        usb_->stop();
        usbRunning_ = false;
        devicesObject_->engineStateChanged();
        log::notice("devices engine stopped; USB controllers have their defaults back");
    }

    const DaemonPaths& paths_;
    Config config_;
    EventLoop& loop_;
    kernel::FeatureReport features_;
    StateStore store_;
    EngineSettings engines_;
    Authorizer authorizer_;
    devices::BluetoothControl bluetooth_;
    std::optional<ManagerObject> manager_;
    std::optional<devices::DevicesObject> devicesObject_;
    std::unique_ptr<devices::UsbEngine> usb_;
    bool usbRunning_ = false;
    std::optional<sandbox::SandboxObject> sandboxObject_;
    std::optional<dns::DnsObject> dnsObject_;
    std::unique_ptr<dns::DnsEngine> dns_;
    // Declared last: it goes first, while the object it reports to is still there.
    std::optional<sandbox::SandboxSupervisor> supervisor_;
};

bool nameIsTaken(sdbus::IConnection& connection) {
    auto bus = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool owned = false;
    bus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(names::kBusName))
        .storeResultsTo(owned);
    return owned;
}

std::unique_ptr<sdbus::IConnection> connectToSystemBus() {
    try {
        return sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        const char* address = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        log::error("cannot connect to the system bus" +
                   (address != nullptr ? " at " + std::string(address) : std::string()) + ": " +
                   e.getMessage());
        return nullptr;
    }
}

void startWatchdog(EventLoop& loop) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return;
    }
    loop.every(std::chrono::microseconds(usec / 2), [] { sd_notify(0, "WATCHDOG=1"); });
}

} // namespace

DaemonPaths DaemonPaths::fromEnvironment() {
    return {firstOfEnv("CONFIGURATION_DIRECTORY", MAMORI_CONFIG_DIR) / "mamori.conf",
            firstOfEnv("STATE_DIRECTORY", MAMORI_STATE_DIR)};
}

int runDaemon(const DaemonPaths& paths) {
    LoadedConfig loaded;
    try {
        loaded = loadConfig(paths.configFile);
    } catch (const MamoriError& e) {
        log::error(std::string("refusing to start with a broken configuration: ") + e.what());
        return EXIT_FAILURE;
    }
    log::setThreshold(loaded.config.logLevel);
    for (const auto& warning : loaded.warnings) {
        log::warning(warning);
    }

    auto connection = connectToSystemBus();
    if (!connection) {
        return EXIT_FAILURE;
    }
    if (nameIsTaken(*connection)) {
        log::error("another mamorid already owns " + std::string(names::kBusName) +
                   " on this bus; not starting a second one");
        return EXIT_FAILURE;
    }

    EventLoop loop(*connection);
    Service service(paths, std::move(loaded.config), *connection, loop);
    loop.onSignal(SIGTERM, [&] { loop.quit(); });
    loop.onSignal(SIGINT, [&] { loop.quit(); });
    loop.onSignal(SIGHUP, [&] {
        try {
            service.reload();
            service.announceStateChanged();
        } catch (const std::exception& e) {
            log::error(std::string("reload refused, keeping the running configuration: ") +
                       e.what());
        }
    });
    startWatchdog(loop);

    try {
        connection->requestName(std::string(names::kBusName));
    } catch (const sdbus::Error& e) {
        log::error("cannot own " + std::string(names::kBusName) + ": " + e.getMessage() +
                   " (is another mamorid running, or is the bus policy " +
                   "org.mamori.Mamori1.conf not installed?)");
        return EXIT_FAILURE;
    }
    log::notice("mamorid " MAMORI_VERSION " ready on the system bus as " +
                std::string(names::kBusName));
    sd_notify(0, "READY=1\nSTATUS=Serving org.mamori.Mamori1");

    loop.run();

    sd_notify(0, "STOPPING=1");
    log::notice("shutting down");
    connection->releaseName(std::string(names::kBusName));
    return EXIT_SUCCESS;
}

} // namespace mamori
