// The Bluetooth service allow-list: UUID validation, persistence, and BlueZ's admin policy.
// bluetoothd cannot run here (it needs a Bluetooth controller), so FakeBluez — exported by this
// test on a private dbus-daemon — stands in for it: an ObjectManager at / with adapters that
// implement org.bluez.Adapter1 and org.bluez.AdminPolicySet1 and record SetServiceAllowList.
#include "FakeRfkillKernel.h"
#include "PrivateBus.h"
#include "TempDir.h"
#include "common/Errors.h"
#include "devices/BluetoothControl.h"
#include "devices/BluezAdminPolicy.h"

#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <sdbus-c++/sdbus-c++.h>

namespace mamori::devices {
namespace {

constexpr const char* kA2dpSink = "0000110b-0000-1000-8000-00805f9b34fb";
constexpr const char* kHid = "00001124-0000-1000-8000-00805f9b34fb";

BluetoothControl::RfkillOpener noRfkill() {
    return [](RfkillDevice::Access) -> RfkillDevice {
        throw MamoriError(ErrorCode::Failed, "no rfkill in this test");
    };
}

TEST(BluetoothServiceUuid, CanonicalForms) {
    EXPECT_EQ(BluetoothControl::canonicalServiceUuid("110b"), kA2dpSink);
    EXPECT_EQ(BluetoothControl::canonicalServiceUuid("0x110B"), kA2dpSink);
    EXPECT_EQ(BluetoothControl::canonicalServiceUuid("0000110b"), kA2dpSink);
    EXPECT_EQ(BluetoothControl::canonicalServiceUuid("0x0000110B"), kA2dpSink);
    EXPECT_EQ(BluetoothControl::canonicalServiceUuid("0000110B-0000-1000-8000-00805F9B34FB"),
              kA2dpSink);
    EXPECT_EQ(BluetoothControl::canonicalServiceUuid("12345678-9abc-def0-1234-56789abcdef0"),
              "12345678-9abc-def0-1234-56789abcdef0");
}

TEST(BluetoothServiceUuid, MalformedOnesAreNamed) {
    for (const std::string bad :
         {"", "0x", "110", "110bb", "xyz1", "0000110b-0000-1000-8000-00805f9b34f",
          "0000110b-0000-1000-8000-00805f9b34fbb", "0000110b00000-1000-8000-00805f9b34fb",
          "{0000110b-0000-1000-8000-00805f9b34fb}", "0000110g-0000-1000-8000-00805f9b34fb", "-110b",
          "0x-10b"}) {
        try {
            BluetoothControl::canonicalServiceUuid(bad);
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const MamoriError& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgs);
            EXPECT_NE(std::string(e.what()).find("\"" + bad + "\""), std::string::npos) << e.what();
        }
    }
}

TEST(BluetoothServices, PersistedWithoutBusAndRejectedAsAWhole) {
    TempDir dir;
    {
        BluetoothControl control(dir.path(), noRfkill());
        EXPECT_TRUE(control.allowedServices().empty());
        EXPECT_FALSE(control.bluezAvailable()) << "no bus attached";
        control.setAllowedServices({"110b", "0x1124", kA2dpSink});
        EXPECT_EQ(control.allowedServices(), (std::vector<std::string>{kA2dpSink, kHid}));

        try {
            control.setAllowedServices({"110b", "not-a-uuid"});
            FAIL() << "accepted a malformed UUID";
        } catch (const MamoriError& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgs);
            EXPECT_NE(std::string(e.what()).find("not-a-uuid"), std::string::npos) << e.what();
        }
        EXPECT_EQ(control.allowedServices(), (std::vector<std::string>{kA2dpSink, kHid}));
    }
    BluetoothControl restarted(dir.path(), noRfkill());
    EXPECT_EQ(restarted.allowedServices(), (std::vector<std::string>{kA2dpSink, kHid}));
    restarted.setAllowedServices({});
    EXPECT_TRUE(BluetoothControl(dir.path(), noRfkill()).allowedServices().empty());
}

TEST(BluetoothServices, UnreadableStateFallsBackToDefaults) {
    TempDir dir;
    std::ofstream(dir.path() / "bluetooth.state") << "this is [not a keyfile\n";
    BluetoothControl control(dir.path(), noRfkill());
    EXPECT_TRUE(control.allowedServices().empty());
    EXPECT_FALSE(control.radioBlocked());
}

// Stands in for bluetoothd on the private bus. Runs its own connection's event loop in a
// thread; the recorded calls are guarded because the test reads them from the main thread.
class FakeBluez {
public:
    explicit FakeBluez(const std::string& address)
        : connection_(sdbus::createSessionBusConnectionWithAddress(address)) {
        root_ = sdbus::createObject(*connection_, "/");
        root_->addObjectManager();
        root_->finishRegistration();
        hci0_ = exportAdapter("/org/bluez/hci0", true);
        // An adapter whose bluetoothd runs without the admin plugin: no AdminPolicySet1.
        hci1_ = exportAdapter("/org/bluez/hci1", false);
        connection_->requestName("org.bluez");
        connection_->enterEventLoopAsync();
    }
    ~FakeBluez() { connection_->leaveEventLoop(); }
    FakeBluez(const FakeBluez&) = delete;
    FakeBluez& operator=(const FakeBluez&) = delete;

    std::vector<std::vector<std::string>> calls() const {
        const std::lock_guard lock(mutex_);
        return calls_;
    }
    void refuse(bool refuse) {
        const std::lock_guard lock(mutex_);
        refuse_ = refuse;
    }

private:
    std::unique_ptr<sdbus::IObject> exportAdapter(const std::string& path, bool adminPolicy) {
        auto adapter = sdbus::createObject(*connection_, path);
        adapter->registerProperty("Address").onInterface("org.bluez.Adapter1").withGetter([] {
            return std::string("00:00:5E:00:53:01");
        });
        if (adminPolicy) {
            adapter->registerMethod("SetServiceAllowList")
                .onInterface("org.bluez.AdminPolicySet1")
                .implementedAs([this](const std::vector<std::string>& uuids) {
                    const std::lock_guard lock(mutex_);
                    if (refuse_) {
                        throw sdbus::Error("org.bluez.Error.Failed", "refused by the test");
                    }
                    calls_.push_back(uuids);
                });
        }
        adapter->finishRegistration();
        return adapter;
    }

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IObject> root_;
    std::unique_ptr<sdbus::IObject> hci0_;
    std::unique_ptr<sdbus::IObject> hci1_;
    mutable std::mutex mutex_;
    std::vector<std::vector<std::string>> calls_;
    bool refuse_ = false;
};

class BluetoothBluez : public ::testing::Test {
protected:
    void SetUp() override {
        if (const auto reason = test::PrivateBus::unavailableReason(); !reason.empty()) {
            GTEST_SKIP() << reason;
        }
        bus_ = std::make_unique<test::PrivateBus>();
        client_ = sdbus::createSessionBusConnectionWithAddress(bus_->address());
    }

    std::unique_ptr<test::PrivateBus> bus_;
    std::unique_ptr<sdbus::IConnection> client_;
    TempDir dir_;
};

TEST_F(BluetoothBluez, AllowListReachesEveryAdapterWithAdminPolicy) {
    FakeBluez bluez(bus_->address());
    BluezAdminPolicy policy(*client_);
    EXPECT_TRUE(policy.available());
    const auto result = policy.apply({kA2dpSink});
    EXPECT_TRUE(result.bluezPresent);
    EXPECT_EQ(result.applied, std::vector<std::string>{"/org/bluez/hci0"});
    EXPECT_EQ(result.withoutAdminPolicy, std::vector<std::string>{"/org/bluez/hci1"});
    EXPECT_EQ(bluez.calls(), (std::vector<std::vector<std::string>>{{kA2dpSink}}));
}

TEST_F(BluetoothBluez, ControlAppliesPersistsAndRestores) {
    FakeBluez bluez(bus_->address());
    {
        BluetoothControl control(dir_.path(), noRfkill());
        control.attachBus(*client_);
        EXPECT_TRUE(control.bluezAvailable());
        control.setAllowedServices({"0x110b", "1124"});
        EXPECT_EQ(bluez.calls(), (std::vector<std::vector<std::string>>{{kA2dpSink, kHid}}));
    }
    BluetoothControl restarted(dir_.path(), noRfkill());
    restarted.attachBus(*client_);
    restarted.restore();
    ASSERT_EQ(bluez.calls().size(), 2U);
    EXPECT_EQ(bluez.calls().back(), (std::vector<std::string>{kA2dpSink, kHid}));
}

TEST_F(BluetoothBluez, RefusalIsAnErrorButTheChoiceIsKept) {
    FakeBluez bluez(bus_->address());
    bluez.refuse(true);
    BluetoothControl control(dir_.path(), noRfkill());
    control.attachBus(*client_);
    try {
        control.setAllowedServices({"110b"});
        FAIL() << "BlueZ's refusal was not reported";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::Failed);
        EXPECT_NE(std::string(e.what()).find("/org/bluez/hci0"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("refused by the test"), std::string::npos) << e.what();
    }
    // Kept so that restore() applies it once BlueZ accepts again.
    EXPECT_EQ(BluetoothControl(dir_.path(), noRfkill()).allowedServices(),
              std::vector<std::string>{kA2dpSink});
    bluez.refuse(false);
    control.restore();
    EXPECT_EQ(bluez.calls(), (std::vector<std::vector<std::string>>{{kA2dpSink}}));
}

TEST_F(BluetoothBluez, WithoutBluezNothingFailsAndTheListIsPersisted) {
    // The bus is there but nobody owns org.bluez (BlueZ not installed or not running).
    BluetoothControl control(dir_.path(), noRfkill());
    control.attachBus(*client_);
    EXPECT_FALSE(control.bluezAvailable());
    EXPECT_FALSE(BluezAdminPolicy(*client_).apply({kA2dpSink}).bluezPresent);
    control.setAllowedServices({"110b"});
    control.restore();
    EXPECT_EQ(BluetoothControl(dir_.path(), noRfkill()).allowedServices(),
              std::vector<std::string>{kA2dpSink});
}

} // namespace
} // namespace mamori::devices
