// Device decisions: first matching rule wins per device and per interface; interface rules
// decide only for the interfaces they match; the shipped BadUSB and only-this-keyboard files
// do what they promise.
#include "lbm/DeviceEvaluator.h"

#include "LbmTestHelpers.h"

#include <gtest/gtest.h>

namespace mamori::lbm {
namespace {

RuleFile shipped(const std::string& name) {
    RuleFile file = Parser::parseFile(std::string(MAMORI_SOURCE_DIR) + "/packaging/rules/" + name);
    TypeChecker::check(file);
    return file;
}

// A USB stick with a hidden keyboard: mass storage (interface 0) plus HID keyboard (1).
DeviceDescription storageWithKeyboard() {
    DeviceDescription d;
    d.idVendor = 0x0781;
    d.idProduct = 0x5567;
    d.interfaces = {test::usbInterface(0, 8, 6, 0x50), test::usbInterface(1, 3, 1, 1)};
    return d;
}

TEST(DeviceEvaluator, BadUsbAsksForTheHidInterfaceOnly) {
    const RuleFile rules = shipped("badusb.rules");
    const DeviceVerdict verdict = DeviceEvaluator(rules).evaluate(storageWithKeyboard());
    EXPECT_FALSE(verdict.device); // the device itself: caller's default
    ASSERT_EQ(verdict.interfaces.size(), 2u);
    EXPECT_FALSE(verdict.interfaces[0]); // storage: caller's default
    ASSERT_TRUE(verdict.interfaces[1]);
    EXPECT_EQ(verdict.interfaces[1]->action, Action::Ask);
    EXPECT_EQ(verdict.interfaces[1]->ruleName, "badusb-hid-with-storage");
    EXPECT_EQ(verdict.interfaces[1]->ruleIndex, 0u);
    EXPECT_EQ(verdict.interfaces[1]->position.line, 8);
}

TEST(DeviceEvaluator, BadUsbChargerKeepsPowerButItsHidWaits) {
    DeviceDescription charger;
    charger.bDeviceClass = 0xff;
    charger.interfaces = {test::usbInterface(0, 0xff), test::usbInterface(1, 3, 0, 0)};
    const RuleFile rules = shipped("badusb.rules");
    const DeviceVerdict verdict = DeviceEvaluator(rules).evaluate(charger);
    EXPECT_FALSE(verdict.device);
    EXPECT_FALSE(verdict.interfaces[0]);
    ASSERT_TRUE(verdict.interfaces[1]);
    EXPECT_EQ(verdict.interfaces[1]->ruleName, "badusb-hid-on-vendor-device");
}

TEST(DeviceEvaluator, BadUsbLeavesAPlainKeyboardAlone) {
    const RuleFile rules = shipped("badusb.rules");
    const DeviceVerdict verdict =
        DeviceEvaluator(rules).evaluate(test::keyboard(0x046d, 0xc31c, std::nullopt));
    EXPECT_FALSE(verdict.device);
    EXPECT_FALSE(verdict.interfaces[0]);
}

TEST(DeviceEvaluator, PolicyAllowsTheStorageAndAsksForTheHid) {
    const auto options = test::memoryIncludes(
        {{"/etc/mamori/rules/badusb.rules",
          *loadIncludeFromDisk(std::string(MAMORI_SOURCE_DIR) + "/packaging/rules/badusb.rules")}});
    RuleFile rules = Parser::parse("include \"badusb.rules\"\n"
                                   "rule storage allow { usb.interface_classes in {8} }\n",
                                   "/etc/mamori/rules/policy.rules", options);
    TypeChecker::check(rules);
    const DeviceVerdict verdict = DeviceEvaluator(rules).evaluate(storageWithKeyboard());
    ASSERT_TRUE(verdict.device);
    EXPECT_EQ(verdict.device->action, Action::Allow);
    EXPECT_EQ(verdict.device->ruleName, "storage");
    EXPECT_EQ(verdict.interfaces[0]->action, Action::Allow);
    EXPECT_EQ(verdict.interfaces[1]->action, Action::Ask); // the earlier interface rule won
}

TEST(DeviceEvaluator, OnlyThisKeyboard) {
    const RuleFile rules = shipped("only-this-keyboard.rules");
    const DeviceEvaluator evaluator(rules);

    const auto mine = evaluator.evaluate(test::keyboard(0x046d, 0xc31c, "KB-0001"));
    ASSERT_TRUE(mine.device);
    EXPECT_EQ(mine.device->action, Action::Allow);
    EXPECT_EQ(mine.device->ruleName, "my-keyboard");
    ASSERT_TRUE(mine.interfaces[0]);
    EXPECT_EQ(mine.interfaces[0]->action, Action::Allow);

    for (const auto& other :
         {test::keyboard(0x046d, 0xc31c, "KB-0002"), test::keyboard(0x046d, 0xc31c, std::nullopt),
          test::keyboard(0x1234, 0xc31c, "KB-0001")}) {
        const auto verdict = evaluator.evaluate(other);
        EXPECT_FALSE(verdict.device);
        ASSERT_TRUE(verdict.interfaces[0]);
        EXPECT_EQ(verdict.interfaces[0]->action, Action::Drop);
        EXPECT_EQ(verdict.interfaces[0]->ruleName, "other-keyboards");
    }

    DeviceDescription mouse = test::keyboard(0x046d, 0xc077, std::nullopt);
    mouse.interfaces[0].interfaceProtocol = 2;
    const auto verdict = evaluator.evaluate(mouse);
    EXPECT_FALSE(verdict.device);
    EXPECT_FALSE(verdict.interfaces[0]);
}

TEST(DeviceEvaluator, FirstMatchWinsAndLogNeverDecides) {
    const RuleFile rules = test::checkedFile("rule seen log { usb.idVendor == 1 }\n"
                                             "rule hid-log log { usb.interface.class == 3 }\n"
                                             "rule block-vendor drop { usb.idVendor == 1 }\n"
                                             "rule allow-all allow { true }\n"
                                             "rule packets drop { bt.hci.type == 4 }\n");
    DeviceDescription d = test::keyboard(1, 2, std::nullopt);
    d.interfaces.push_back(test::usbInterface(1, 3));
    const auto verdict = DeviceEvaluator(rules).evaluate(d);
    ASSERT_TRUE(verdict.device);
    EXPECT_EQ(verdict.device->ruleName, "block-vendor");
    EXPECT_EQ(verdict.device->ruleIndex, 2u);
    EXPECT_EQ(verdict.interfaces[0]->ruleName, "block-vendor");
    EXPECT_EQ(verdict.interfaces[1]->ruleName, "block-vendor");
    ASSERT_EQ(verdict.logged.size(), 2u); // the interface log rule is reported once
    EXPECT_EQ(verdict.logged[0].ruleName, "seen");
    EXPECT_EQ(verdict.logged[1].ruleName, "hid-log");

    const auto other = DeviceEvaluator(rules).evaluate(test::keyboard(7, 2, std::nullopt));
    EXPECT_EQ(other.device->ruleName, "allow-all");
    EXPECT_EQ(other.device->action, Action::Allow);
}

TEST(DeviceEvaluator, NoRuleMatchedLeavesTheDefault) {
    const RuleFile rules = test::checkedFile("usb.idVendor == 0xdead");
    const auto verdict = DeviceEvaluator(rules).evaluate(test::keyboard(1, 2, std::nullopt));
    EXPECT_FALSE(verdict.device);
    EXPECT_FALSE(verdict.interfaces[0]);
    EXPECT_TRUE(verdict.logged.empty());
}

TEST(DeviceEvaluator, DeviceWithoutInterfaces) {
    const RuleFile rules = test::checkedFile("rule i drop { usb.interface.class == 3 }\n"
                                             "rule d ask { usb.interface_count == 0 }\n");
    DeviceDescription d;
    const auto verdict = DeviceEvaluator(rules).evaluate(d);
    ASSERT_TRUE(verdict.device);
    EXPECT_EQ(verdict.device->ruleName, "d");
    EXPECT_TRUE(verdict.interfaces.empty());
}

} // namespace
} // namespace mamori::lbm
