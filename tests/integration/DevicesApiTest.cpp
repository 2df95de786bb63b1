// The devices engine end to end: a umockdev testbed plays the kernel's USB side (sysfs files,
// `authorized` attributes, uevents), mamorid runs under the same LD_PRELOAD on the private
// system bus with the real polkitd, and everything is checked through D-Bus and mamorictl the
// way the tray and a user would. Runs under umockdev-wrapper (see CMakeLists.txt).
#include "ApiDescription.h"
#include "BusTestSuite.h"
#include "Eventually.h"
#include "SystemBusHarness.h"
#include "TestFiles.h"
#include "UsbTestbed.h"
#include "client/DevicesClient.h"
#include "client/ManagerClient.h"
#include "common/Names.h"

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace mamori;
using namespace mamori::test;

namespace {

constexpr const char* kStick = "usb_1_1";
const std::string kStickPath = std::string(names::kDevicesPath) + "/" + kStick;

DeviceSpec stick(const std::string& name = "1-1") {
    DeviceSpec spec;
    spec.name = name;
    spec.idVendor = 0x0781;
    spec.idProduct = 0x5567;
    spec.serial = "4C530001230423114551";
    spec.product = "Cruzer Blade";
    spec.interfaces = {kStorage};
    return spec;
}

DeviceSpec keyboard(const std::string& name) {
    DeviceSpec spec;
    spec.name = name;
    spec.idVendor = 0x046d;
    spec.idProduct = 0xc31c;
    spec.product = "USB Keyboard";
    spec.interfaces = {kKeyboard, kConsumerControl};
    return spec;
}

// The LBM paper's BadUSB "charger": storage plus a boot keyboard behind class 0.
DeviceSpec charger(const std::string& name) {
    DeviceSpec spec;
    spec.name = name;
    spec.idVendor = 0x1a86;
    spec.idProduct = 0x7523;
    spec.serial = "CH0001";
    spec.product = "Fast Charger";
    spec.interfaces = {kStorage, kKeyboard};
    return spec;
}

DeviceSpec headset(const std::string& name) {
    DeviceSpec spec;
    spec.name = name;
    spec.idVendor = 0x046d;
    spec.idProduct = 0x0a44;
    spec.product = "Headset H390";
    spec.interfaces = {kAudioControl, kAudioStreaming, kConsumerControl};
    return spec;
}

DeviceSpec hub(const std::string& name) {
    DeviceSpec spec;
    spec.name = name;
    spec.idVendor = 0x05e3;
    spec.idProduct = 0x0610;
    spec.product = "USB2.0 Hub";
    spec.deviceClass = 9;
    spec.interfaces = {kHub};
    spec.authorized = true;
    return spec;
}

std::string errorOf(const std::function<void()>& call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        return e.getName() + ": " + e.getMessage();
    }
    return "ok";
}

std::string logLinesAbout(const std::string& log, const std::string& what) {
    std::istringstream lines(log);
    std::string out;
    for (std::string line; std::getline(lines, line);) {
        if (line.find(what) != std::string::npos) {
            out += line + "\n";
        }
    }
    return out;
}

bool startsWith(const std::string& text, std::string_view prefix) {
    return text.rfind(prefix, 0) == 0;
}

// Authorize as `uid` from a child process; "ok" or the D-Bus error name and message.
std::string authorizeAs(const SystemBusHarness& harness, uid_t uid, const std::string& id,
                        const std::string& scope) {
    return harness.callAs(uid, std::string(names::kDevicesPath) + "/" + id,
                          std::string(names::iface::kDevice) + ".Authorize",
                          {"'" + scope + "'", "@ay []"});
}

// What the tray would see: ObjectManager and DeviceWaiting signals, on their own connection.
class SignalLog {
public:
    explicit SignalLog(std::unique_ptr<sdbus::IConnection> connection)
        : connection_(std::move(connection))
        , client_(std::make_unique<DevicesClient>(*connection_)) {
        client_->deviceAdded = [this](const std::string& path, const DBusProperties& props) {
            const std::lock_guard lock(mutex_);
            added_[path] = DeviceView::fromProperties(path, props);
        };
        client_->deviceRemoved = [this](const std::string& path) {
            const std::lock_guard lock(mutex_);
            removed_.insert(path);
        };
        client_->deviceWaiting = [this](const std::string& path) {
            const std::lock_guard lock(mutex_);
            waiting_.insert(path);
        };
        connection_->enterEventLoopAsync();
    }
    ~SignalLog() {
        connection_->leaveEventLoop();
        client_.reset();
    }
    SignalLog(const SignalLog&) = delete;
    SignalLog& operator=(const SignalLog&) = delete;

    std::optional<DeviceView> added(const std::string& path) {
        const std::lock_guard lock(mutex_);
        const auto it = added_.find(path);
        return it == added_.end() ? std::nullopt : std::optional(it->second);
    }
    bool removed(const std::string& path) {
        const std::lock_guard lock(mutex_);
        return removed_.count(path) != 0;
    }
    size_t removedCount() {
        const std::lock_guard lock(mutex_);
        return removed_.size();
    }
    bool waiting(const std::string& path) {
        const std::lock_guard lock(mutex_);
        return waiting_.count(path) != 0;
    }

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<DevicesClient> client_;
    std::mutex mutex_;
    std::map<std::string, DeviceView> added_;
    std::set<std::string> removed_;
    std::set<std::string> waiting_;
};

class DevicesApi : public BusTestSuite<DevicesApi> {
public:
    static std::string unavailableReason() {
        auto reason = SystemBusHarness::unavailableReason();
        // umockdev_in_mock_environment() only answers once a testbed exists (and caches the
        // answer), so look for the preload itself.
        const char* preload = std::getenv("LD_PRELOAD");
        const bool mocked =
            preload != nullptr &&
            std::string_view(preload).find("libumockdev-preload") != std::string_view::npos;
        if (reason.empty() && !mocked) {
            reason = "needs umockdev's LD_PRELOAD: run the test binary under umockdev-wrapper "
                     "(ctest does)";
        }
        return reason;
    }

protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        std::filesystem::remove_all(harness_->stateDir());
        std::filesystem::create_directories(harness_->stateDir());
        // A fresh testbed sets UMOCKDEV_DIR, which mamorid inherits.
        testbed_ = std::make_unique<UsbTestbed>();
        hub1_ = testbed_->addRootHub(1);
        hub2_ = testbed_->addRootHub(2);
    }

    void TearDown() override {
        signals_.reset();
        devices_.reset();
        manager_.reset();
        connection_.reset();
        if (harness_ && harness_->daemonRunning()) {
            // Non-zero when mamorid failed to stop cleanly (or a sanitizer found something).
            EXPECT_EQ(harness_->stopDaemon(SIGTERM), 0) << harness_->daemonLogText();
        }
        testbed_.reset();
    }

    // mamorid with the devices engine on by configuration, plus `extra` config lines.
    void startDaemon(const std::string& devicesConfig = "") {
        std::ofstream(harness_->configDir() / "mamori.conf")
            << "[Engines]\ndevices=true\n[Devices]\n"
            << devicesConfig;
        harness_->startDaemon();
        connection_ = harness_->connect();
        manager_ = std::make_unique<ManagerClient>(*connection_);
        devices_ = std::make_unique<DevicesClient>(*connection_);
        signals_ = std::make_unique<SignalLog>(harness_->connect());
        ASSERT_TRUE(eventually([&] { return attribute(hub1_, "authorized_default") == "0"; }))
            << "the engine did not take over the root hubs; mamorid log:\n"
            << harness_->daemonLogText();
    }

    void restartDaemon() {
        signals_.reset();
        devices_.reset();
        manager_.reset();
        ASSERT_EQ(harness_->stopDaemon(SIGTERM), 0);
        harness_->startDaemon();
        manager_ = std::make_unique<ManagerClient>(*connection_);
        devices_ = std::make_unique<DevicesClient>(*connection_);
        signals_ = std::make_unique<SignalLog>(harness_->connect());
    }

    // Adds the device (and its interfaces) to the testbed and sends the kernel's uevents.
    std::string plug(const std::string& parent, const DeviceSpec& spec) {
        auto path = testbed_->addDevice(parent, spec);
        testbed_->uevent(path, "add");
        for (size_t i = 0; i < spec.interfaces.size(); ++i) {
            testbed_->uevent(interfacePath(path, spec, i), "add");
        }
        return path;
    }

    void unplug(const std::string& path) {
        testbed_->uevent(path, "remove");
        testbed_->remove(path);
    }

    static std::string interfacePath(const std::string& device, const DeviceSpec& spec,
                                     size_t number) {
        return device + "/" + spec.name + ":1." + std::to_string(number);
    }

    std::string status(const std::string& id) { return DeviceClient(*connection_, id).Status(); }

    bool hasStatus(const std::string& id, std::string_view wanted) {
        try {
            return status(id) == wanted;
        } catch (const sdbus::Error&) {
            return false;
        }
    }

    std::unique_ptr<UsbTestbed> testbed_;
    std::string hub1_;
    std::string hub2_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerClient> manager_;
    std::unique_ptr<DevicesClient> devices_;
    std::unique_ptr<SignalLog> signals_;
};

TEST_F(DevicesApi, ANewDeviceWaitsAndOnlyAnAuthorizedCallerMayAllowIt) {
    startDaemon();
    const auto path = plug(hub1_, stick());

    ASSERT_TRUE(eventually([&] { return signals_->added(kStickPath).has_value(); }))
        << "no InterfacesAdded for " << kStickPath << "; mamorid log:\n"
        << harness_->daemonLogText();
    const auto announced = *signals_->added(kStickPath);
    EXPECT_EQ(announced.status, names::device::kStatusWaiting);
    EXPECT_EQ(announced.id, kStick);
    EXPECT_EQ(announced.idVendor, 0x0781);
    EXPECT_EQ(announced.port, "1-1");
    EXPECT_EQ(announced.serial, "****************4551") << "serials are masked";
    EXPECT_FALSE(announced.waitingReason.empty());
    EXPECT_GT(announced.connectTimeUsec, 0U);
    ASSERT_EQ(announced.interfaces.size(), 1U);
    EXPECT_EQ(announced.interfaces[0].interfaceClass, 8);
    EXPECT_TRUE(eventually([&] { return signals_->waiting(kStickPath); })) << "no DeviceWaiting";
    EXPECT_EQ(attribute(path, "authorized"), "0");

    // nobody has no active session: org.mamori.devices.authorize is auth_admin for them.
    const auto denied = authorizeAs(*harness_, uidOf("nobody"), kStick, "once");
    EXPECT_TRUE(startsWith(denied, names::error::kAccessDenied)) << denied;
    EXPECT_NE(denied.find("org.mamori.devices.authorize"), std::string::npos) << denied;
    EXPECT_EQ(attribute(path, "authorized"), "0") << "a refused caller changed sysfs";
    EXPECT_EQ(status(kStick), names::device::kStatusWaiting);
    const auto cli = harness_->mamorictl({"devices", "allow", kStick}, uidOf("nobody"));
    EXPECT_EQ(cli.exitCode, 4) << cli.err;

    DeviceClient device(*connection_, kStick);
    device.Authorize("once", {});
    EXPECT_EQ(attribute(path, "authorized"), "1");
    EXPECT_EQ(attribute(interfacePath(path, stick(), 0), "authorized"), "1");
    EXPECT_EQ(device.Status(), names::device::kStatusAuthorized);
    EXPECT_EQ(device.DecidedBy(), "user");
    EXPECT_TRUE(device.WaitingReason().empty());

    const auto list = harness_->mamorictl({"devices", "list", "--json"}, uidOf("nobody"));
    EXPECT_EQ(list.exitCode, 0) << list.err;
    EXPECT_NE(list.out.find("\"id\":\"usb_1_1\""), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("\"status\":\"authorized\""), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find("4C530001"), std::string::npos) << "the full serial leaked";
    const auto show = harness_->mamorictl({"devices", "show", kStick});
    EXPECT_EQ(show.exitCode, 0) << show.err;
    EXPECT_NE(show.out.find("Cruzer Blade"), std::string::npos) << show.out;
}

TEST_F(DevicesApi, BlockKeepsTheDeviceOffAndTheCliAllowsWithAlways) {
    startDaemon();
    const auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusWaiting); }));
    const auto blocked = harness_->mamorictl({"devices", "block", kStick});
    EXPECT_EQ(blocked.exitCode, 0) << blocked.err;
    EXPECT_EQ(status(kStick), names::device::kStatusBlocked);
    EXPECT_EQ(attribute(path, "authorized"), "0");

    const auto allowed = harness_->mamorictl({"devices", "allow", kStick, "--always", "--json"});
    EXPECT_EQ(allowed.exitCode, 0) << allowed.err;
    EXPECT_EQ(allowed.out, "{\"id\":\"usb_1_1\",\"decision\":\"allow\",\"scope\":\"always\"}\n");
    EXPECT_EQ(attribute(path, "authorized"), "1");
}

TEST_F(DevicesApi, AlwaysSurvivesARestartAndAReplug) {
    startDaemon();
    auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusWaiting); }));
    DeviceClient(*connection_, kStick).Authorize("always", {});
    const auto rules = devices_->ListRules();
    ASSERT_EQ(rules.size(), 1U);
    const std::string ruleName = rules.front().get<0>();
    EXPECT_NE(rules.front().get<1>().find("0x781"), std::string::npos) << rules.front().get<1>();

    unplug(path);
    ASSERT_TRUE(eventually([&] { return signals_->removed(kStickPath); }));
    restartDaemon();
    // In another port this time: the identity is not bound to the port.
    const auto moved = stick("2-4");
    path = plug(hub2_, moved);
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_2_4", names::device::kStatusAuthorized); }))
        << harness_->daemonLogText();
    EXPECT_EQ(attribute(path, "authorized"), "1");
    EXPECT_EQ(DeviceClient(*connection_, "usb_2_4").DecidedBy(), ruleName);
    EXPECT_FALSE(signals_->waiting(std::string(names::kDevicesPath) + "/usb_2_4"))
        << "a remembered device must not ask again";

    devices_->RemoveRule(ruleName);
    EXPECT_TRUE(devices_->ListRules().empty());
}

TEST_F(DevicesApi, UnplugWhilePendingRemovesTheObject) {
    startDaemon();
    const auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusWaiting); }));
    unplug(path);
    ASSERT_TRUE(eventually([&] { return signals_->removed(kStickPath); }))
        << "no InterfacesRemoved after unplug";
    EXPECT_TRUE(devices_->devices().empty());

    const auto reply = errorOf([&] { DeviceClient(*connection_, kStick).Authorize("once", {}); });
    EXPECT_TRUE(startsWith(reply, names::error::kUnknownObject)) << reply;
    const auto cli = harness_->mamorictl({"devices", "allow", kStick});
    EXPECT_EQ(cli.exitCode, 1);
    EXPECT_EQ(cli.err, "mamorictl: no device 'usb_1_1' (see 'mamorictl devices list')\n");
}

TEST_F(DevicesApi, ADeviceThatVanishesDuringTheAuthorizationIsNotFoundAndNothingIsWritten) {
    startDaemon();
    const auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusWaiting); }));
    // uid `bin` is authorized only after the test rule's 3 s polkit.spawn.
    std::string reply;
    std::thread slow([&] { reply = authorizeAs(*harness_, uidOf("bin"), kStick, "once"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    testbed_->uevent(path, "remove");
    ASSERT_TRUE(eventually([&] { return signals_->removed(kStickPath); }));
    slow.join();
    EXPECT_TRUE(startsWith(reply, std::string(names::error::kPrefix) + "NotFound")) << reply;
    EXPECT_EQ(attribute(path, "authorized"), "0") << "a vanished device was written to";
    testbed_->remove(path);
}

TEST_F(DevicesApi, TheApprovalTimeoutBlocks) {
    startDaemon("ApprovalTimeoutSec=1\n");
    const auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return signals_->added(kStickPath).has_value(); }));
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusBlocked); }, 5));
    EXPECT_EQ(DeviceClient(*connection_, kStick).DecidedBy(), "timeout");
    EXPECT_EQ(attribute(path, "authorized"), "0");
}

TEST_F(DevicesApi, TheFirstKeyboardIsAllowedWhenNoneIs) {
    startDaemon();
    const auto first = plug(hub1_, keyboard("1-2"));
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_1_2", names::device::kStatusAuthorized); }))
        << harness_->daemonLogText();
    EXPECT_EQ(DeviceClient(*connection_, "usb_1_2").DecidedBy(), "first keyboard");
    EXPECT_EQ(attribute(first, "authorized"), "1");
    EXPECT_EQ(attribute(interfacePath(first, keyboard("1-2"), 0), "authorized"), "1");

    plug(hub1_, keyboard("1-3"));
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_1_3", names::device::kStatusWaiting); }))
        << "a second keyboard is not the first one";
}

TEST_F(DevicesApi, TheBadUsbChargerGetsPowerButNotItsKeyboard) {
    startDaemon();
    const auto spec = charger("1-4");
    const auto path = plug(hub1_, spec);
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_1_4", names::device::kStatusWaiting); }))
        << "a keyboard inside a storage device must never be allowed on its own";
    DeviceClient device(*connection_, "usb_1_4");
    EXPECT_NE(device.WaitingReason().find("HID"), std::string::npos) << device.WaitingReason();

    device.Authorize("once", {});
    EXPECT_EQ(attribute(path, "authorized"), "1");
    EXPECT_EQ(attribute(interfacePath(path, spec, 0), "authorized"), "1") << "storage";
    EXPECT_EQ(attribute(interfacePath(path, spec, 1), "authorized"), "0") << "HID keyboard";
    EXPECT_EQ(device.Status(), names::device::kStatusPartlyAuthorized);
    const auto interfaces = device.Interfaces();
    ASSERT_EQ(interfaces.size(), 2U);
    EXPECT_TRUE(interfaces[0].get<4>());
    EXPECT_FALSE(interfaces[1].get<4>());
}

TEST_F(DevicesApi, AHeadsetAndDevicesBehindAHubPresentAtStartAreKept) {
    const auto external = testbed_->addDevice(hub1_, hub("1-5"));
    auto present = headset("1-5.1");
    present.authorized = true;
    const auto headsetPath = testbed_->addDevice(external, present);
    startDaemon();
    ASSERT_TRUE(
        eventually([&] { return hasStatus("usb_1_5_1", names::device::kStatusAuthorized); }));
    EXPECT_EQ(DeviceClient(*connection_, "usb_1_5_1").DecidedBy(), "present at start-up");
    EXPECT_EQ(attribute(headsetPath, "authorized"), "1");

    const auto plugged = plug(external, headset("1-5.2"));
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_1_5_2", names::device::kStatusWaiting); }));
    DeviceClient device(*connection_, "usb_1_5_2");
    EXPECT_EQ(device.Port(), "1-5.2");
    device.Authorize("once", {});
    EXPECT_EQ(device.Status(), names::device::kStatusAuthorized);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(attribute(interfacePath(plugged, headset("1-5.2"), i), "authorized"), "1") << i;
    }
}

TEST_F(DevicesApi, BadInputIsRefusedWithClearErrors) {
    startDaemon();
    const auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusWaiting); }));
    DeviceClient device(*connection_, kStick);

    const auto scope = errorOf([&] { device.Authorize("forever", {}); });
    EXPECT_TRUE(startsWith(scope, names::error::kInvalidArgs)) << scope;
    EXPECT_NE(scope.find("scope"), std::string::npos) << scope;
    const auto interfaces = errorOf([&] { device.Authorize("once", {7}); });
    EXPECT_TRUE(startsWith(interfaces, names::error::kInvalidArgs)) << interfaces;
    EXPECT_NE(interfaces.find("interfaces"), std::string::npos) << interfaces;
    EXPECT_EQ(attribute(path, "authorized"), "0") << "a refused call changed sysfs";
    EXPECT_EQ(device.Status(), names::device::kStatusWaiting);

    const auto rule = errorOf([&] { devices_->AddRule("rule broken allow { usb.idVendor == }"); });
    EXPECT_TRUE(startsWith(rule, names::error::kInvalidArgs)) << rule;
    EXPECT_NE(rule.find(":1:"), std::string::npos) << "no line:column in: " << rule;
    EXPECT_TRUE(devices_->ListRules().empty());
    const auto cliRule = harness_->mamorictl({"devices", "add-rule", "usb.idVendor == 0x10000"});
    EXPECT_EQ(cliRule.exitCode, 2) << cliRule.err;

    const auto missing = errorOf([&] { devices_->RemoveRule("no-such-rule"); });
    EXPECT_TRUE(startsWith(missing, std::string(names::error::kPrefix) + "NotFound")) << missing;
    const auto policy = errorOf([&] { devices_->SetDefaultPolicy("maybe"); });
    EXPECT_TRUE(startsWith(policy, names::error::kInvalidArgs)) << policy;
    EXPECT_NE(policy.find("policy"), std::string::npos) << policy;
    const auto tooLong = errorOf([&] { devices_->AllowAll(86400); });
    EXPECT_TRUE(startsWith(tooLong, names::error::kInvalidArgs)) << tooLong;

    const auto cliId = harness_->mamorictl({"devices", "allow", "../usb_1_1"});
    EXPECT_EQ(cliId.exitCode, 2) << cliId.err;
    EXPECT_TRUE(harness_->daemonRunning());
}

TEST_F(DevicesApi, PolicyRulesAndTheEmergencyEscape) {
    startDaemon();
    EXPECT_EQ(devices_->DefaultPolicy(), "ask");
    EXPECT_TRUE(devices_->Enforcing());
    const auto nobodyReads = harness_->callAs(
        uidOf("nobody"), std::string(names::kRootPath), "org.freedesktop.DBus.Properties.Get",
        {"'" + std::string(names::iface::kDevices) + "'", "'DefaultPolicy'"});
    EXPECT_EQ(nobodyReads, "ok (<'ask'>,)");
    const auto nobodyWrites =
        harness_->callAs(uidOf("nobody"), std::string(names::kRootPath),
                         std::string(names::iface::kDevices) + ".SetDefaultPolicy", {"'allow'"});
    EXPECT_TRUE(startsWith(nobodyWrites, names::error::kAccessDenied)) << nobodyWrites;

    const auto name = devices_->AddRule("rule my-stick allow { usb.idVendor == 0x0781 }");
    EXPECT_EQ(name, "my-stick");
    const auto path = plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusAuthorized); }));
    EXPECT_EQ(DeviceClient(*connection_, kStick).DecidedBy(), "my-stick");
    EXPECT_EQ(attribute(path, "authorized"), "1");

    const auto policy = harness_->mamorictl({"devices", "policy", "block"});
    EXPECT_EQ(policy.exitCode, 0) << policy.err;
    EXPECT_EQ(devices_->DefaultPolicy(), "block");
    const auto blockedPath = plug(hub1_, headset("1-6"));
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_1_6", names::device::kStatusBlocked); }));
    EXPECT_EQ(attribute(blockedPath, "authorized"), "0");

    devices_->SetDefaultPolicy("ask");
    plug(hub1_, charger("1-7"));
    ASSERT_TRUE(eventually([&] { return hasStatus("usb_1_7", names::device::kStatusWaiting); }));
    const auto escape = harness_->mamorictl({"devices", "allow-all", "--for", "5m"});
    EXPECT_EQ(escape.exitCode, 0) << escape.err;
    EXPECT_FALSE(devices_->Enforcing());
    EXPECT_GT(devices_->AllowAllUntil(), 0U);
    EXPECT_TRUE(eventually([&] { return !hasStatus("usb_1_7", names::device::kStatusWaiting); }))
        << "the escape also frees what waits";
    devices_->AllowAll(0);
    EXPECT_TRUE(devices_->Enforcing());
    EXPECT_EQ(devices_->AllowAllUntil(), 0U);
}

TEST_F(DevicesApi, BluetoothStateIsReadableAndChangesAreAuthorized) {
    startDaemon();
    const bool before = devices_->BluetoothBlocked();
    const auto denied =
        harness_->callAs(uidOf("nobody"), std::string(names::kRootPath),
                         std::string(names::iface::kDevices) + ".SetBluetoothBlocked", {"true"});
    EXPECT_TRUE(startsWith(denied, names::error::kAccessDenied)) << denied;
    EXPECT_EQ(devices_->BluetoothBlocked(), before);
    // This machine has no /dev/rfkill; the rfkill semantics are covered by the Bluetooth unit
    // tests with a fake rfkill node. Here: the call is authorized and answers clearly.
    const auto reply = errorOf([&] { devices_->SetBluetoothBlocked(true); });
    if (reply != "ok") {
        EXPECT_TRUE(startsWith(reply, std::string(names::error::kPrefix) + "Failed")) << reply;
        EXPECT_EQ(devices_->BluetoothBlocked(), before) << "a failed change must not stick";
    } else {
        EXPECT_TRUE(devices_->BluetoothBlocked());
    }
}

TEST_F(DevicesApi, BluetoothServiceListIsValidatedStoredAndKeptAcrossRestarts) {
    startDaemon();
    EXPECT_TRUE(devices_->BluetoothAllowedServices().empty()) << "no limit by default";
    const auto denied = harness_->callAs(
        uidOf("nobody"), std::string(names::kRootPath),
        std::string(names::iface::kDevices) + ".SetBluetoothAllowedServices", {"['110b']"});
    EXPECT_TRUE(startsWith(denied, names::error::kAccessDenied)) << denied;

    const auto bad = errorOf([&] { devices_->SetBluetoothAllowedServices({"110b", "bogus"}); });
    EXPECT_TRUE(startsWith(bad, names::error::kInvalidArgs)) << bad;
    EXPECT_NE(bad.find("\"bogus\""), std::string::npos) << bad;
    EXPECT_TRUE(devices_->BluetoothAllowedServices().empty()) << "a bad list changed something";

    // No bluetoothd on this private bus: the list is stored and said to be unenforced.
    devices_->SetBluetoothAllowedServices({"110b", "0x1124"});
    const std::vector<std::string> expected{"0000110b-0000-1000-8000-00805f9b34fb",
                                            "00001124-0000-1000-8000-00805f9b34fb"};
    EXPECT_EQ(devices_->BluetoothAllowedServices(), expected);
    EXPECT_FALSE(devices_->BluetoothPolicyEnforced());
    const auto cli = harness_->mamorictl({"devices", "bluetooth", "services"});
    EXPECT_EQ(cli.exitCode, 0) << cli.err;
    EXPECT_NE(cli.out.find("0000110b-0000-1000-8000-00805f9b34fb"), std::string::npos) << cli.out;
    EXPECT_NE(cli.out.find("BlueZ is not running"), std::string::npos) << cli.out;

    restartDaemon();
    EXPECT_EQ(devices_->BluetoothAllowedServices(), expected);
    EXPECT_EQ(harness_->mamorictl({"devices", "bluetooth", "services", "none"}).exitCode, 0);
    EXPECT_TRUE(devices_->BluetoothAllowedServices().empty());
}

// umockdev delivers uevents over UNIX datagram sockets, whose queue holds
// net.unix.max_dgram_qlen (10 by default) messages; the kernel's netlink socket holds hundreds.
// Raised for the storm so that the daemon really gets them all at once, restored afterwards.
class DatagramQueueLength {
public:
    explicit DatagramQueueLength(unsigned length)
        : previous_(readFile(kPath)) {
        std::ofstream(kPath) << length;
    }
    ~DatagramQueueLength() { std::ofstream(kPath) << previous_; }
    DatagramQueueLength(const DatagramQueueLength&) = delete;
    DatagramQueueLength& operator=(const DatagramQueueLength&) = delete;

private:
    static constexpr const char* kPath = "/proc/sys/net/unix/max_dgram_qlen";
    std::string previous_;
};

TEST_F(DevicesApi, APlugStormLosesNoDeviceAndAuthorizesNoneByMistake) {
    constexpr int kPerHub = 100;
    const DatagramQueueLength queue(1024);
    const std::array hubs{testbed_->addDevice(hub1_, hub("1-8")),
                          testbed_->addDevice(hub2_, hub("2-8"))};
    startDaemon();
    devices_->AddRule("rule storm-allow allow { usb.idVendor == 0x1111 }");

    std::map<std::string, std::string> plugged; // id -> sysfs path
    std::map<std::string, DeviceSpec> specs;
    std::set<std::string> allowed;
    for (int bus = 1; bus <= 2; ++bus) {
        for (int port = 1; port <= kPerHub; ++port) {
            auto spec = stick(std::to_string(bus) + "-8." + std::to_string(port));
            spec.idVendor = port % 2 == 0 ? 0x1111 : 0x2222;
            spec.serial = "STORM" + std::to_string(bus * 1000 + port);
            const std::string id = "usb_" + std::to_string(bus) + "_8_" + std::to_string(port);
            // All of sysfs first, then every uevent in one burst, as a hub full of devices
            // powering up does it. (umockdev also sends an "add" per node as it creates it, so
            // mamorid already sees devices while their interface nodes are being written.)
            plugged[id] = testbed_->addDevice(hubs[static_cast<size_t>(bus - 1)], spec);
            specs[id] = spec;
            if (spec.idVendor == 0x1111) {
                allowed.insert(id);
            }
        }
    }
    for (const auto& [id, path] : plugged) {
        testbed_->uevent(path, "add");
        testbed_->uevent(interfacePath(path, specs[id], 0), "add");
    }
    // The two hubs, present at start-up, are devices too.
    const size_t total = plugged.size() + hubs.size();
    ASSERT_TRUE(eventually([&] { return devices_->devices().size() == total; }, 30))
        << devices_->devices().size() << " of " << total << " devices published";

    for (const auto& view : devices_->devices()) {
        if (view.id == "usb_1_8" || view.id == "usb_2_8") {
            EXPECT_EQ(view.status, names::device::kStatusAuthorized) << view.id;
            continue;
        }
        ASSERT_TRUE(plugged.count(view.id)) << view.id;
        const bool shouldBeOn = allowed.count(view.id) != 0;
        const std::string file = attribute(plugged[view.id], "authorized");
        if (!shouldBeOn) {
            EXPECT_EQ(view.status, names::device::kStatusWaiting) << view.id;
            EXPECT_EQ(file, "0") << view.id << " was authorized by mistake";
            continue;
        }
        // Strict: the ENOENT this storm used to hit now and then (an interface's `authorized`
        // opened before umockdev had created it) is fixed in the engine, which waits for an
        // interface node until its `authorized` exists (UsbEngineTest.AnInterfaceIsWaited...).
        EXPECT_NE(view.decidedBy, "error")
            << view.id << ": " << logLinesAbout(harness_->daemonLogText(), view.id);
        EXPECT_EQ(view.status, names::device::kStatusAuthorized) << view.id;
        EXPECT_EQ(file, "1") << view.id;
    }

    // Unplug every waiting one: each leaves, nothing else does.
    for (const auto& [id, path] : plugged) {
        if (allowed.count(id) == 0) {
            unplug(path);
        }
    }
    ASSERT_TRUE(
        eventually([&] { return devices_->devices().size() == allowed.size() + hubs.size(); }, 30));
    EXPECT_EQ(signals_->removedCount(), plugged.size() - allowed.size());
}

TEST_F(DevicesApi, DisablingTheEngineRestoresTheHubDefaults) {
    std::ofstream(harness_->configDir() / "mamori.conf") << "[Engines]\ndevices=false\n";
    harness_->startDaemon();
    connection_ = harness_->connect();
    manager_ = std::make_unique<ManagerClient>(*connection_);
    devices_ = std::make_unique<DevicesClient>(*connection_);
    EXPECT_EQ(attribute(hub1_, "authorized_default"), "1");
    EXPECT_FALSE(devices_->Enforcing());

    manager_->SetEngineEnabled("devices", true);
    EXPECT_EQ(attribute(hub1_, "authorized_default"), "0");
    EXPECT_EQ(attribute(hub2_, "interface_authorized_default"), "0");
    EXPECT_TRUE(devices_->Enforcing());
    plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return hasStatus(kStick, names::device::kStatusWaiting); }));

    manager_->SetEngineEnabled("devices", false);
    EXPECT_EQ(attribute(hub1_, "authorized_default"), "1");
    EXPECT_EQ(attribute(hub1_, "interface_authorized_default"), "1");
    EXPECT_EQ(attribute(hub2_, "authorized_default"), "1");
    EXPECT_TRUE(devices_->devices().empty()) << "device objects outlived their engine";
    EXPECT_FALSE(devices_->Enforcing());
}

TEST_F(DevicesApi, IntrospectionOfADeviceEqualsTheInterfaceXml) {
    startDaemon();
    plug(hub1_, stick());
    ASSERT_TRUE(eventually([&] { return signals_->added(kStickPath).has_value(); }));
    auto proxy = sdbus::createProxy(*connection_, std::string(names::kBusName), kStickPath);
    std::string xml;
    proxy->callMethod("Introspect")
        .onInterface("org.freedesktop.DBus.Introspectable")
        .storeResultsTo(xml);
    const auto golden =
        parseIntrospectionFile(MAMORI_SOURCE_DIR "/dbus/org.mamori.Mamori1.Device.xml");
    for (const auto& difference : differences(parseIntrospection(xml), golden)) {
        ADD_FAILURE() << difference;
    }
}

} // namespace
