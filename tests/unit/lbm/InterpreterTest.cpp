// The reference semantics on hand-built HCI, L2CAP and URB packets and device descriptions:
// little-endian payload fields, shift/mask, big-endian slices, and "a value that does not
// exist makes the comparison false".
#include "LbmTestHelpers.h"

#include <gtest/gtest.h>

namespace mamori::lbm {
namespace {

using test::matches;

struct PacketCase {
    std::string expr;
    test::Packet packet;
    bool expected;
};

class OnPacket : public ::testing::TestWithParam<PacketCase> {};

TEST_P(OnPacket, MatchesAsSpecified) {
    EXPECT_EQ(matches(GetParam().expr, GetParam().packet), GetParam().expected) << GetParam().expr;
}

const test::Packet kEvent = test::hciEvent(0x0e, 4, 4);          // command complete, 4 params
const test::Packet kShortEvent = test::hciEvent(0x0e, 200, 3);   // announces 200, carries 3
const test::Packet kCommand = test::hciCommand(0x03, 0x0003, 0); // HCI_Reset
const test::Packet kAcl = test::hciAcl(0x0abc, 0x2, 5);
const test::Packet kConfRsp = test::l2capConfigResponse(0x0001, 8);
const test::Packet kBlueborne = test::l2capConfigResponse(0x0001, 100);
const test::Packet kTiny = test::hciEvent(0x0e, 0, 0);
// GET_DESCRIPTOR(device) with an 18-byte device descriptor answer.
const test::Packet kGetDescriptor =
    test::usbControl({0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00},
                     {0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x34, 0x12});

INSTANTIATE_TEST_SUITE_P(
    Hci, OnPacket,
    ::testing::Values(
        PacketCase{"bt.hci.type == 4", kEvent, true}, PacketCase{"bt.hci.len == 6", kEvent, true},
        PacketCase{"bt.hci.event.code == 0x0e", kEvent, true},
        PacketCase{"bt.hci.event.len == 4", kEvent, true},
        PacketCase{"bt.hci.event.len + 2 > bt.hci.len", kEvent, false},
        PacketCase{"bt.hci.event.len + 2 > bt.hci.len", kShortEvent, true},
        PacketCase{"bt.hci.len < bt.hci.event.len + 2", kShortEvent, true},
        PacketCase{"bt.hci.len >= bt.hci.event.len", kShortEvent, false},
        PacketCase{"bt.hci.command.opcode == 0x0c03", kCommand, true},
        PacketCase{"bt.hci.command.ogf == 3 && bt.hci.command.ocf == 3", kCommand, true},
        PacketCase{"bt.hci.command.len == 0", kCommand, true},
        PacketCase{"bt.hci.acl.handle == 0xabc", kAcl, true},
        PacketCase{"bt.hci.acl.flags == 2", kAcl, true},
        PacketCase{"bt.hci.acl.len == 5", kAcl, true},
        PacketCase{"bt.hci.payload[0:2] == 0xbc2a", kAcl, true}, // slices read big-endian
        PacketCase{"bt.hci.payload[0:2] == \"\\xbc\\x2a\"", kAcl, true},
        // Out of bounds: false whatever the operator, and `!` of it true.
        PacketCase{"bt.hci.event.code == 0x0e", test::Packet{}, false},
        PacketCase{"bt.hci.event.code != 0x0e", test::Packet{}, false},
        PacketCase{"bt.hci.event.code <= 0xff", test::Packet{}, false},
        PacketCase{"bt.hci.event.len == 0", kTiny, true},
        PacketCase{"bt.hci.acl.len == 0", kTiny, false},
        PacketCase{"!bt.hci.event.code == 0x0e", test::Packet{}, true},
        PacketCase{"bt.hci.event.code in {0, 0x0e}", test::Packet{}, false},
        PacketCase{"bt.hci.event.len + 2 > bt.hci.len", test::Packet{}, false},
        PacketCase{"bt.hci.payload[4:6] == 0xeeee", kEvent, true},
        PacketCase{"bt.hci.payload[4:6] != 0", kEvent, true},
        PacketCase{"bt.hci.payload[4:7] != 0", kEvent, false}, // reaches past the end
        PacketCase{"bt.hci.payload[4:7] == 0", kEvent, false},
        PacketCase{"bt.hci.type == 4 && bt.hci.len < 2", kTiny, false},
        PacketCase{"bt.hci.type == 4 && bt.hci.len <= 2", kTiny, true}));

INSTANTIATE_TEST_SUITE_P(
    L2cap, OnPacket,
    ::testing::Values(PacketCase{"bt.l2cap.cid == 1", kConfRsp, true},
                      PacketCase{"bt.l2cap.len == 18", kConfRsp, true},
                      PacketCase{"bt.l2cap.skb_len == 22", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.cmd.code == 5", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.cmd.id == 7", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.cmd.len == 14", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.conf_rsp.scid == 0x40", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.conf_rsp.flags == 0", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.conf_rsp.result == 1", kConfRsp, true},
                      PacketCase{"bt.l2cap.sig.cmd.len >= 70", kConfRsp, false},
                      PacketCase{"bt.l2cap.sig.cmd.len >= 70", kBlueborne, true},
                      PacketCase{"bt.l2cap.sig.cmd.len == 106", kBlueborne, true},
                      PacketCase{"bt.l2cap.payload[0:2] == 0x0507", kConfRsp, true},
                      PacketCase{"bt.l2cap.conn_req.psm == 1",
                                 test::l2capSignal(0x02, 1, {0x01, 0x00, 0x40, 0x00}), true},
                      PacketCase{"bt.l2cap.sig.conf_rsp.result == 0",
                                 test::l2capSignal(0x05, 1, {}), false}));

INSTANTIATE_TEST_SUITE_P(
    Urb, OnPacket,
    ::testing::Values(PacketCase{"usb.urb.setup.bmRequestType == 0x80", kGetDescriptor, true},
                      PacketCase{"usb.urb.setup.bRequest == 6", kGetDescriptor, true},
                      PacketCase{"usb.urb.setup.wValue == 0x0100", kGetDescriptor, true},
                      PacketCase{"usb.urb.setup.wIndex == 0", kGetDescriptor, true},
                      PacketCase{"usb.urb.setup.wLength == 18", kGetDescriptor, true},
                      PacketCase{"usb.urb.setup[0:2] == 0x8006", kGetDescriptor, true},
                      PacketCase{"usb.urb.setup == 0x8006000100001200", kGetDescriptor, true},
                      PacketCase{"usb.urb.idVendor == 0x1234 && usb.urb.idProduct == 0x5678",
                                 kGetDescriptor, true},
                      PacketCase{"usb.urb.transfer_type == 0 && usb.urb.length == 10",
                                 kGetDescriptor, true},
                      PacketCase{"usb.urb.actual_length == 10", kGetDescriptor, true},
                      PacketCase{"usb.urb.payload[0:2] == 0x1201", kGetDescriptor, true},
                      PacketCase{"usb.urb.payload[8:10] == 0x3412", kGetDescriptor, true},
                      PacketCase{"usb.urb.payload[8:11] == 0", kGetDescriptor, false},
                      PacketCase{"!usb.urb.payload[8:11] == 0", kGetDescriptor, true}));

TEST(InterpreterDevice, ReadsDeviceAndInterfaceFields) {
    DeviceDescription d = test::keyboard(0x046d, 0xc31c, "KB-0001");
    d.bDeviceClass = 0;
    d.interfaces.push_back(test::usbInterface(1, 8, 6, 0x50));
    d.interfaces[0].driver = "usbhid";
    const auto& hid = d.interfaces[0];
    const auto& storage = d.interfaces[1];
    const auto check = [&](const std::string& text, const InterfaceDescription* i) {
        return Interpreter::matches(*test::checkedExpr(text), d, i);
    };
    EXPECT_TRUE(check("usb.idVendor == 0x046d && usb.idProduct == 0xc31c", nullptr));
    EXPECT_TRUE(check("usb.serial == \"KB-0001\" && usb.serial[0:2] == \"KB\"", nullptr));
    EXPECT_FALSE(check("usb.serial[0:20] != \"01234567890123456789\"", nullptr));
    EXPECT_TRUE(check("usb.portpath == \"1-2\" && usb.speed == 12", nullptr));
    EXPECT_TRUE(check("usb.interface_count == 2 && usb.interface_classes in {8}", nullptr));
    EXPECT_FALSE(check("usb.interface_classes in {0xff, 9}", nullptr));
    EXPECT_TRUE(check("usb.interface.class == 3 && usb.interface.driver == \"usbhid\"", &hid));
    EXPECT_FALSE(check("usb.interface.driver == \"usbhid\"", &storage)); // no driver bound
    EXPECT_TRUE(check("!usb.interface.driver == \"usbhid\"", &storage));
    EXPECT_FALSE(check("usb.interface.class == 3", nullptr)); // no interface: no value
    EXPECT_FALSE(check("usb.manufacturer == \"\"", nullptr)); // missing attribute
    EXPECT_TRUE(check("true", nullptr));
}

TEST(InterpreterPacket, FirstDropOrAllowDecidesLogNeverDoes) {
    const RuleFile file = test::checkedFile(
        "rule watch log { bt.l2cap.cid == 1 }\n"
        "rule blueborne drop { bt.l2cap.sig.cmd.code == 5 && bt.l2cap.sig.cmd.len >= 70 }\n"
        "rule signalling allow { bt.l2cap.cid == 1 }\n"
        "rule everything-else drop { bt.l2cap.skb_len >= 0 }\n"
        "rule hci drop { bt.hci.type == 4 }\n");
    const auto run = [&](const test::Packet& p) {
        return Interpreter::evaluatePacket(file, Subsystem::BtL2cap, p.meta, p.bytes);
    };
    EXPECT_EQ(run(kBlueborne).ruleIndex, 1u);
    EXPECT_TRUE(run(kBlueborne).drop);
    EXPECT_EQ(run(kConfRsp).ruleIndex, 2u);
    EXPECT_FALSE(run(kConfRsp).drop);
    test::Packet other = kConfRsp;
    other.bytes[2] = 0x40; // cid 0x40
    EXPECT_EQ(run(other).ruleIndex, 3u);
    const auto hci = Interpreter::evaluatePacket(file, Subsystem::BtHci, kEvent.meta, kEvent.bytes);
    EXPECT_TRUE(hci.drop);
    EXPECT_EQ(hci.ruleIndex, 4u);
    const auto usb = Interpreter::evaluatePacket(file, Subsystem::UsbUrb, kGetDescriptor.meta,
                                                 kGetDescriptor.bytes);
    EXPECT_FALSE(usb.drop);
    EXPECT_EQ(usb.ruleIndex, std::nullopt);
}

} // namespace
} // namespace mamori::lbm
