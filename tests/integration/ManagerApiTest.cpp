// mamorid on a real (private) system bus with the real polkitd: what a user of mamorictl or the
// tray would notice — who may change what, what survives restarts, what the API looks like.
#include "ApiDescription.h"
#include "BusTestSuite.h"
#include "SystemBusHarness.h"
#include "TestFiles.h"
#include "client/ManagerClient.h"
#include "common/Names.h"
#include "kernel/FeatureProbe.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <sstream>
#include <thread>

using namespace mamori;
using namespace mamori::test;

namespace {

// SetEngineEnabled as `uid`; "ok" or the D-Bus error name and message.
std::string setEngineAs(const SystemBusHarness& harness, uid_t uid, const std::string& engine,
                        bool enabled) {
    return harness.callAs(uid, std::string(names::kRootPath),
                          std::string(names::iface::kManager) + ".SetEngineEnabled",
                          {"'" + engine + "'", enabled ? "true" : "false"});
}

std::string errorOf(const std::function<void()>& call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        return e.getName() + ": " + e.getMessage();
    }
    return "ok";
}

class ManagerApi : public BusTestSuite<ManagerApi> {
protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        std::filesystem::remove_all(harness_->stateDir());
        std::filesystem::create_directories(harness_->stateDir());
        std::filesystem::remove(harness_->configDir() / "mamori.conf");
        harness_->startDaemon();
        connection_ = harness_->connect();
        manager_ = std::make_unique<ManagerClient>(*connection_);
    }

    void TearDown() override {
        manager_.reset();
        connection_.reset();
        if (harness_) {
            harness_->stopDaemon(SIGTERM);
        }
    }

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerClient> manager_;
};

TEST_F(ManagerApi, ReadsNeedNoAuthorization) {
    const auto result = harness_->mamorictl({"status", "--json"}, uidOf("nobody"));
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("\"api_version\":1"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\"dns\":false"), std::string::npos) << result.out;

    const auto version = harness_->callAs(
        uidOf("nobody"), std::string(names::kRootPath), "org.freedesktop.DBus.Properties.Get",
        {"'" + std::string(names::iface::kManager) + "'", "'Version'"});
    EXPECT_EQ(version, "ok (<uint32 1>,)");
}

TEST_F(ManagerApi, RootIsAuthorizedAndTheChoiceIsStored) {
    manager_->SetEngineEnabled("devices", true);
    EXPECT_TRUE(manager_->Engines().at("devices"));
    EXPECT_NE(readFile(harness_->stateDir() / "engines.state").find("devices=true"),
              std::string::npos);
    EXPECT_NE(
        harness_->daemonLogText().find("authorized org.mamori.Mamori1.Manager.SetEngineEnabled"),
        std::string::npos);
}

TEST_F(ManagerApi, UnprivilegedCallerIsRefusedAndNothingChanges) {
    const auto reply = setEngineAs(*harness_, uidOf("nobody"), "devices", true);
    EXPECT_EQ(reply.rfind(std::string(names::error::kAccessDenied), 0), 0U) << reply;
    EXPECT_NE(reply.find("org.mamori.manage"), std::string::npos) << reply;
    EXPECT_FALSE(manager_->Engines().at("devices"));
    EXPECT_FALSE(std::filesystem::exists(harness_->stateDir() / "engines.state"));

    const auto cli = harness_->mamorictl({"engine", "enable", "devices"}, uidOf("nobody"));
    EXPECT_EQ(cli.exitCode, 4);
    EXPECT_NE(cli.err.find("mamorictl: not authorized"), std::string::npos) << cli.err;
    EXPECT_FALSE(manager_->Engines().at("devices"));
}

TEST_F(ManagerApi, APolkitRuleCanGrantAnUnprivilegedUser) {
    EXPECT_EQ(setEngineAs(*harness_, uidOf("daemon"), "sandbox", true), "ok");
    EXPECT_TRUE(manager_->Engines().at("sandbox"));
}

TEST_F(ManagerApi, ServesOthersWhileAnAuthorizationIsPending) {
    // uid `bin` is authorized only after the rule's 3 s polkit.spawn; meanwhile reads must work.
    std::string slowReply;
    std::thread slow([&] { slowReply = setEngineAs(*harness_, uidOf("bin"), "devices", true); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto start = std::chrono::steady_clock::now();
    const auto version = manager_->Version();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    slow.join();
    EXPECT_EQ(version, names::kApiVersion);
    EXPECT_LT(elapsed, std::chrono::seconds(2))
        << "a read waited for another caller's polkit check";
    EXPECT_EQ(slowReply, "ok");
    EXPECT_TRUE(manager_->Engines().at("devices"));
}

TEST_F(ManagerApi, BadArgumentsAreInvalidArgsNamingTheArgument) {
    const auto reply = errorOf([&] { manager_->SetEngineEnabled("vpn", true); });
    EXPECT_EQ(reply.rfind(std::string(names::error::kInvalidArgs), 0), 0U) << reply;
    EXPECT_NE(reply.find("engine: unknown engine 'vpn'"), std::string::npos) << reply;

    const auto cli = harness_->mamorictl({"engine", "enable", "vpn"});
    EXPECT_EQ(cli.exitCode, 2);
    EXPECT_NE(cli.err.find("unknown engine 'vpn'"), std::string::npos) << cli.err;

    const auto wrongType = errorOf([&] {
        auto proxy = sdbus::createProxy(*connection_, std::string(names::kBusName),
                                        std::string(names::kRootPath));
        proxy->callMethod("SetEngineEnabled")
            .onInterface(std::string(names::iface::kManager))
            .withArguments(42U, std::string("yes"));
    });
    EXPECT_NE(wrongType, "ok");
    EXPECT_TRUE(harness_->daemonRunning()) << "a malformed call must not crash mamorid";
}

TEST_F(ManagerApi, ChoicesSurviveRestartAndSigkill) {
    manager_->SetEngineEnabled("devices", true);
    manager_.reset();
    EXPECT_EQ(harness_->stopDaemon(SIGTERM), 0) << "SIGTERM must end mamorid cleanly";
    harness_->startDaemon();
    manager_ = std::make_unique<ManagerClient>(*connection_);
    EXPECT_TRUE(manager_->Engines().at("devices"));

    manager_->SetEngineEnabled("sandbox", true);
    manager_.reset();
    EXPECT_EQ(harness_->stopDaemon(SIGKILL), -SIGKILL);
    harness_->startDaemon();
    manager_ = std::make_unique<ManagerClient>(*connection_);
    EXPECT_TRUE(manager_->Engines().at("devices"));
    EXPECT_TRUE(manager_->Engines().at("sandbox"));
}

TEST_F(ManagerApi, CorruptStateIsKeptAsideAndReported) {
    manager_.reset();
    harness_->stopDaemon(SIGTERM);
    const std::string garbage = "[State]\nFormatVersion=1\n[Engines\ndns=true\n";
    std::ofstream(harness_->stateDir() / "engines.state") << garbage;
    harness_->startDaemon();
    manager_ = std::make_unique<ManagerClient>(*connection_);

    const auto corrupt = manager_->CorruptStateFiles();
    ASSERT_EQ(corrupt.size(), 1U);
    EXPECT_EQ(readFile(corrupt.front()), garbage);
    EXPECT_FALSE(manager_->Engines().at("dns")) << "defaults replace the unreadable choices";
    const auto status = harness_->mamorictl({"status"});
    EXPECT_NE(status.out.find("kept aside as " + corrupt.front()), std::string::npos) << status.out;
    EXPECT_NE(harness_->daemonLogText().find("is unusable"), std::string::npos);
}

TEST_F(ManagerApi, ReloadRefusesABrokenConfigAndKeepsRunning) {
    std::ofstream(harness_->configDir() / "mamori.conf") << "[Daemon]\nLogLevel=shouty\n";
    const auto reply = errorOf([&] { manager_->Reload(); });
    EXPECT_NE(reply.find("org.mamori.Mamori1.Error.BadConfig"), std::string::npos) << reply;
    EXPECT_NE(reply.find("mamori.conf:2: LogLevel"), std::string::npos) << reply;
    EXPECT_TRUE(harness_->daemonRunning());

    std::ofstream(harness_->configDir() / "mamori.conf") << "[Engines]\nsandbox=true\n";
    EXPECT_EQ(errorOf([&] { manager_->Reload(); }), "ok");
    EXPECT_TRUE(manager_->Engines().at("sandbox")) << "a new default applies where nobody chose";
}

TEST_F(ManagerApi, RefusesToStartTwiceOnOneBus) {
    auto second = harness_->spawnDaemon();
    EXPECT_EQ(second->wait(10.0), 1);
    EXPECT_NE(harness_->daemonLogText().find("another mamorid already owns org.mamori.Mamori1"),
              std::string::npos);
    EXPECT_TRUE(harness_->daemonRunning());
}

TEST_F(ManagerApi, IntrospectionEqualsTheInterfaceXml) {
    // Every interface served on the root object, whether or not its engine is on; the
    // per-device interface is checked on a live device object in DevicesApiTest.
    auto proxy = sdbus::createProxy(*connection_, std::string(names::kBusName),
                                    std::string(names::kRootPath));
    std::string xml;
    proxy->callMethod("Introspect")
        .onInterface("org.freedesktop.DBus.Introspectable")
        .storeResultsTo(xml);
    const auto live = parseIntrospection(xml);
    for (const char* file : {"org.mamori.Mamori1.Manager.xml", "org.mamori.Mamori1.Devices.xml",
                             "org.mamori.Mamori1.Sandbox.xml"}) {
        const auto golden = parseIntrospectionFile(MAMORI_SOURCE_DIR "/dbus/" + std::string(file));
        for (const auto& difference : differences(live, golden)) {
            ADD_FAILURE() << file << ": " << difference;
        }
    }
    EXPECT_TRUE(live.count(std::string(names::iface::kObjectManager)))
        << "the root object must announce device objects through the ObjectManager";
}

TEST_F(ManagerApi, FeaturesMatchAProbeRunHere) {
    const auto probed = kernel::FeatureProbe{}.run();
    const auto served = manager_->Features();
    ASSERT_EQ(served.size(), probed.features.size());
    for (const auto& [name, result] : probed.features) {
        ASSERT_TRUE(served.count(name)) << name;
        EXPECT_EQ(served.at(name).get<0>(), result.available) << name << ": " << result.detail;
    }
    EXPECT_EQ(manager_->CgroupRoot(), probed.cgroupV2Mount);
    const auto cli = harness_->mamorictl({"features"});
    EXPECT_EQ(cli.exitCode, 0);
    EXPECT_NE(cli.out.find("bpf_lsm"), std::string::npos) << cli.out;
}

TEST_F(ManagerApi, CliSaysWhenTheServiceIsNotRunning) {
    manager_.reset();
    harness_->stopDaemon(SIGTERM);
    const auto cli = harness_->mamorictl({"status"});
    EXPECT_EQ(cli.exitCode, 3);
    EXPECT_EQ(cli.err, "mamorictl: mamorid is not running (nobody owns org.mamori.Mamori1 on the "
                       "system bus)\n");
}

} // namespace

namespace {

TEST_F(ManagerApi, ChangesAreAnnouncedWithPropertiesChanged) {
    // A second connection with its own event loop thread, as a client like the tray would have.
    auto listener = harness_->connect();
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> seen;
    auto match = listener->addMatch(
        "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
        "path='" +
            std::string(names::kRootPath) + "'",
        [&](sdbus::Message& message) {
            std::string interface;
            std::map<std::string, sdbus::Variant> values;
            message >> interface >> values;
            const std::lock_guard lock(mutex);
            for (const auto& [name, value] : values) {
                seen.push_back(interface);
                seen.back().append(".").append(name);
            }
            changed.notify_all();
        });
    listener->enterEventLoopAsync();

    manager_->SetEngineEnabled("devices", true);
    std::unique_lock lock(mutex);
    const bool announced = changed.wait_for(lock, std::chrono::seconds(5), [&] {
        return std::find(seen.begin(), seen.end(), "org.mamori.Mamori1.Manager.Engines") !=
               seen.end();
    });
    lock.unlock();
    listener->leaveEventLoop();
    EXPECT_TRUE(announced) << "no PropertiesChanged for Engines after SetEngineEnabled";
}

} // namespace
