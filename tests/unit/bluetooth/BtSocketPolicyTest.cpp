// The logic of the optional BPF LSM program bt_socket_guard. This VM cannot load BPF LSM
// programs (tests/bpf/BtSocketGuardTest skips with the probe's reason), so the decision is
// tested here: BtSocketPolicy::refuses() runs the same bt_socket_guard_refuses() the hook runs.
#include "devices/BtSocketPolicy.h"

#include "common/Errors.h"

#include <gtest/gtest.h>

namespace mamori::devices {
namespace {

constexpr int kAfBluetooth = 31; // AF_BLUETOOTH
constexpr int kAfInet = 2;       // AF_INET
constexpr int kL2cap = 0;        // BTPROTO_L2CAP
constexpr int kHci = 1;          // BTPROTO_HCI
constexpr int kRfcomm = 3;       // BTPROTO_RFCOMM

TEST(BtSocketPolicy, AfBluetoothMatchesTheKernel) {
    EXPECT_EQ(BT_SOCKET_GUARD_AF_BLUETOOTH, 31);
}

TEST(BtSocketPolicy, AppIdFromSystemdUnits) {
    EXPECT_EQ(BtSocketPolicy::appIdFromUnit("app-gnome-org.gnome.Maps-1234.scope"),
              "org.gnome.Maps");
    EXPECT_EQ(BtSocketPolicy::appIdFromUnit("app-flatpak-org.mozilla.firefox-98765.scope"),
              "org.mozilla.firefox");
    EXPECT_EQ(BtSocketPolicy::appIdFromUnit("app-org.example.Tool-5.scope"), "org.example.Tool");
    EXPECT_EQ(BtSocketPolicy::appIdFromUnit("app-kde-org.kde.blue\\x2ddevil-7.scope"),
              "org.kde.blue-devil");
    for (const char* other :
         {"session-2.scope", "app-gnome-x.service", "app-.scope", "app-gnome-org.gnome.Maps-.scope",
          "app--1.scope", "user@1000.service", "app.slice", ""}) {
        EXPECT_EQ(BtSocketPolicy::appIdFromUnit(other), std::nullopt) << other;
    }
}

TEST(BtSocketPolicy, BlockedAppsCgroupsGoIntoTheMap) {
    BtSocketPolicy policy;
    policy.block("org.gnome.Maps");
    policy.block("org.example.Chat", {kRfcomm});
    const auto entries = policy.mapEntries({{101, "app-gnome-org.gnome.Maps-1.scope"},
                                            {102, "app-gnome-org.gnome.Maps-2.scope"},
                                            {103, "app-flatpak-org.example.Chat-3.scope"},
                                            {104, "app-gnome-org.other.App-4.scope"},
                                            {105, "session-1.scope"}});
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(entries.at(101).protocol_mask, BtSocketPolicy::kAllProtocols);
    EXPECT_EQ(entries.at(102).protocol_mask, BtSocketPolicy::kAllProtocols);
    EXPECT_EQ(entries.at(103).protocol_mask, 1U << kRfcomm);
}

TEST(BtSocketPolicy, RefusesOnlyBluetoothSocketsOfBlockedCgroups) {
    BtSocketPolicy policy;
    policy.block("org.gnome.Maps");
    policy.block("org.example.Chat", {kRfcomm, kL2cap});
    const auto entries = policy.mapEntries(
        {{7, "app-gnome-org.gnome.Maps-1.scope"}, {8, "app-gnome-org.example.Chat-2.scope"}});

    EXPECT_TRUE(BtSocketPolicy::refuses(entries, 7, kAfBluetooth, kHci, false));
    EXPECT_TRUE(BtSocketPolicy::refuses(entries, 7, kAfBluetooth, kRfcomm, false));
    EXPECT_FALSE(BtSocketPolicy::refuses(entries, 7, kAfInet, 0, false)) << "not Bluetooth";
    EXPECT_FALSE(BtSocketPolicy::refuses(entries, 7, kAfBluetooth, kHci, true))
        << "the kernel's own sockets belong to no app";
    EXPECT_FALSE(BtSocketPolicy::refuses(entries, 9, kAfBluetooth, kHci, false))
        << "an app without a rule";

    EXPECT_TRUE(BtSocketPolicy::refuses(entries, 8, kAfBluetooth, kRfcomm, false));
    EXPECT_TRUE(BtSocketPolicy::refuses(entries, 8, kAfBluetooth, kL2cap, false));
    EXPECT_FALSE(BtSocketPolicy::refuses(entries, 8, kAfBluetooth, kHci, false));
    // A protocol number we cannot represent is refused whenever anything is.
    EXPECT_TRUE(BtSocketPolicy::refuses(entries, 8, kAfBluetooth, 40, false));
    EXPECT_TRUE(BtSocketPolicy::refuses(entries, 8, kAfBluetooth, -1, false));
}

TEST(BtSocketPolicy, UnblockAndReplace) {
    BtSocketPolicy policy;
    policy.block("org.gnome.Maps", {kHci});
    policy.block("org.gnome.Maps"); // replaces: now every protocol
    EXPECT_EQ(policy.protocolMask("org.gnome.Maps"), BtSocketPolicy::kAllProtocols);
    EXPECT_TRUE(policy.unblock("org.gnome.Maps"));
    EXPECT_FALSE(policy.unblock("org.gnome.Maps"));
    EXPECT_EQ(policy.protocolMask("org.gnome.Maps"), std::nullopt);
    EXPECT_TRUE(policy.mapEntries({{1, "app-gnome-org.gnome.Maps-1.scope"}}).empty());
}

TEST(BtSocketPolicy, BadInputIsNamed) {
    BtSocketPolicy policy;
    for (const std::string bad : {"", "a/b", "has space"}) {
        try {
            policy.block(bad);
            ADD_FAILURE() << "accepted app id \"" << bad << "\"";
        } catch (const MamoriError& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgs);
            EXPECT_NE(std::string(e.what()).find("app_id"), std::string::npos) << e.what();
        }
    }
    try {
        policy.block("org.gnome.Maps", {kHci, 32});
        ADD_FAILURE() << "accepted protocol 32";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgs);
        EXPECT_NE(std::string(e.what()).find("32"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(policy.rules().empty()) << "a rejected rule left something behind";
}

} // namespace
} // namespace mamori::devices
