// The decision pipeline without sysfs: rules, no-lockout exceptions, allow-all, default.
#include "devices/DevicePolicy.h"

#include "devices/DeviceIdentity.h"
#include "lbm/Parser.h"
#include "lbm/TypeChecker.h"

#include <gtest/gtest.h>

using namespace mamori;
using namespace mamori::devices;

namespace {

lbm::DeviceDescription device(uint8_t deviceClass,
                              const std::vector<std::array<uint8_t, 3>>& interfaces) {
    lbm::DeviceDescription d;
    d.idVendor = 0x1234;
    d.idProduct = 0x5678;
    d.bDeviceClass = deviceClass;
    d.portPath = "1-2";
    uint8_t number = 0;
    for (const auto& [c, s, p] : interfaces) {
        d.interfaces.push_back({number++, c, s, p, {}});
    }
    return d;
}

lbm::RuleFile rules(const std::string& text) {
    lbm::RuleFile file = lbm::Parser::parse(text, "test.rules");
    lbm::TypeChecker::check(file);
    return file;
}

const lbm::DeviceDescription kKeyboard = device(0, {{3, 1, 1}});
const lbm::DeviceDescription kCharger = device(0, {{8, 6, 0x50}, {3, 1, 1}});
const lbm::DeviceDescription kHeadset = device(0, {{1, 1, 0}, {1, 2, 0}, {3, 0, 0}});

TEST(DevicePolicy, BadUsbHeuristic) {
    EXPECT_EQ(DevicePolicy::badUsbReason(kKeyboard), "");
    EXPECT_EQ(DevicePolicy::badUsbReason(kHeadset), "");
    EXPECT_EQ(DevicePolicy::badUsbReason(kCharger), "HID interface on a mass-storage device");
    EXPECT_EQ(DevicePolicy::badUsbReason(device(0, {{0xff, 0, 0}, {3, 1, 1}})),
              "HID interface on a vendor-specific device");
    EXPECT_EQ(DevicePolicy::badUsbReason(device(0xff, {{3, 0, 0}})),
              "HID interface on a vendor-specific device");
    EXPECT_EQ(DevicePolicy::badUsbReason(device(9, {{3, 1, 1}})),
              "HID interface on a device that claims class 9");
    EXPECT_EQ(DevicePolicy::badUsbReason(device(0xef, {{3, 1, 1}, {1, 1, 0}})), "");
}

TEST(DevicePolicy, StoredRulesComeBeforeAdministratorRules) {
    const DevicePolicy policy({}, true);
    const auto stored = rules("rule mine drop { usb.idVendor == 0x1234 }");
    const Outcome outcome = policy.decide(kKeyboard, stored, {});
    EXPECT_EQ(outcome.verdict, Verdict::Block);
    EXPECT_EQ(outcome.decidedBy, "mine");
}

TEST(DevicePolicy, FirstKeyboardOnlyWhenNoneIsAuthorized) {
    const DevicePolicy policy({}, true);
    EXPECT_EQ(policy.decide(kKeyboard, {}, {false, false, DefaultPolicy::Block}).decidedBy,
              "first keyboard");
    const Outcome second = policy.decide(kKeyboard, {}, {true, false, DefaultPolicy::Block});
    EXPECT_EQ(second.verdict, Verdict::Block);
    EXPECT_EQ(second.decidedBy, "default policy");
    const DevicePolicy off({}, false);
    EXPECT_EQ(off.decide(kKeyboard, {}, {}).verdict, Verdict::Ask);
}

TEST(DevicePolicy, BadUsbIsNeverAutoAllowedItsKeyboard) {
    const DevicePolicy policy({}, true);
    for (const PolicyContext context : {PolicyContext{false, false, DefaultPolicy::Ask},
                                        PolicyContext{false, true, DefaultPolicy::Ask},
                                        PolicyContext{false, false, DefaultPolicy::Allow}}) {
        const Outcome outcome = policy.decide(kCharger, {}, context);
        EXPECT_NE(outcome.decidedBy, "first keyboard");
        EXPECT_EQ(outcome.allowedInterfaces, std::vector<uint8_t>{0});
    }
}

TEST(DevicePolicy, InterfaceRulesHoldInterfacesBack) {
    const DevicePolicy policy({}, true);
    const auto stored = rules("rule no-hid drop { usb.interface.class == 3 }\n"
                              "rule all allow { true }");
    const Outcome outcome = policy.decide(kHeadset, stored, {});
    EXPECT_EQ(outcome.verdict, Verdict::Allow);
    EXPECT_EQ(outcome.allowedInterfaces, (std::vector<uint8_t>{0, 1}));
    EXPECT_EQ(outcome.waitingReason, "interfaces 2 held back (rule no-hid)");
}

TEST(DeviceIdentity, IdsAndStoredRulesParse) {
    EXPECT_EQ(DeviceIdentity::idForSysName("1-2.3"), "usb_1_2_3");
    EXPECT_EQ(DeviceIdentity::sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    lbm::DeviceDescription charger = kCharger;
    charger.serial = "a\"b";
    charger.descriptorHash = DeviceIdentity::sha256Hex("x");
    const auto allow = DeviceIdentity::allowRules(charger, {0}, false);
    ASSERT_EQ(allow.size(), 2U);
    const DevicePolicy policy({}, false);
    std::string text;
    for (const auto& rule : allow) {
        text += rule + "\n";
    }
    const Outcome outcome = policy.decide(charger, rules(text), {});
    EXPECT_EQ(outcome.verdict, Verdict::Allow);
    EXPECT_EQ(outcome.allowedInterfaces, std::vector<uint8_t>{0});
    // Another device of the same model but another serial is not matched.
    lbm::DeviceDescription other = charger;
    other.serial = "zzz";
    EXPECT_EQ(policy.decide(other, rules(text), {}).verdict, Verdict::Ask);
    // Not bound to the port unless asked.
    EXPECT_EQ(allow[1].find("portpath"), std::string::npos);
    EXPECT_NE(DeviceIdentity::blockRules(charger, true)[0].find("usb.portpath == \"1-2\""),
              std::string::npos);
}

} // namespace
