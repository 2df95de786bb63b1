// What the type checker accepts and rejects, with the position and message of each error.
#include "LbmTestHelpers.h"
#include "lbm/RuleError.h"

#include <gtest/gtest.h>

namespace mamori::lbm {
namespace {

class Accepts : public ::testing::TestWithParam<std::string> {};

TEST_P(Accepts, WellTypedRule) {
    EXPECT_NO_THROW((void)test::checkedFile(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(
    Valid, Accepts,
    ::testing::Values(
        "usb.idVendor == 0xffff", "usb.bDeviceClass <= 0xff", "usb.speed >= 5000",
        "usb.serial == \"\"", "usb.serial != \"abc\"", "usb.serial[0:3] == \"abc\"",
        "usb.interface.class in {3, 8}", "usb.interface_classes in {0xff}",
        "usb.interface.class == 3 && usb.idVendor == 0x1234",
        "rule a ask { usb.interface.driver == \"usbhid\" }", "usb.portpath == \"1-2.3\"",
        "usb.urb.payload[0:4] == \"USBC\"", "usb.urb.payload[0:8] == 0xffffffffffffffff",
        "usb.urb.payload[2:3] < 0x80", "usb.urb.payload[0:9] == \"123456789\"",
        "usb.urb.setup == 0x8006000100001200", "usb.urb.setup[6:8] == 0x1200",
        "usb.urb.setup.wLength > 0x1000", "usb.urb.idVendor == 0x1234 && usb.urb.pipe != 0",
        "bt.hci.command.ogf == 0x3f", "bt.hci.command.ocf == 0x3ff", "bt.hci.acl.handle == 0xfff",
        "bt.hci.acl.flags == 0xf", "bt.hci.event.len + 2 > bt.hci.len",
        "bt.l2cap.payload[0:64] != \"0123456789012345678901234567890123456789012345678901234567"
        "890123\"",
        "rule l log { bt.l2cap.cid == 1 }", "rule a allow { true }", "rule b ask { false }",
        "bt.l2cap.conn_req.psm in {1, 3}"));

struct TypeError {
    std::string input;
    int column;
    std::string message;
};

class Rejects : public ::testing::TestWithParam<TypeError> {};

TEST_P(Rejects, WithPositionAndReason) {
    try {
        (void)test::checkedFile(GetParam().input);
        FAIL() << "accepted: " << GetParam().input;
    } catch (const RuleError& e) {
        EXPECT_EQ(e.position().line, 1);
        EXPECT_EQ(e.position().column, GetParam().column) << e.what();
        EXPECT_EQ(e.message(), GetParam().message);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Invalid, Rejects,
    ::testing::Values(
        TypeError{"usb.idVendor == 0x10000", 1,
                  "0x10000 does not fit 'usb.idVendor' (16 bits, at most 0xffff)"},
        TypeError{"usb.bDeviceClass == 256", 1,
                  "0x100 does not fit 'usb.bDeviceClass' (8 bits, at most 0xff)"},
        TypeError{"bt.hci.acl.handle == 0x1000", 1,
                  "0x1000 does not fit 'bt.hci.acl.handle' (16 bits, at most 0xfff)"},
        TypeError{"bt.hci.command.ogf == 0x40", 1,
                  "0x40 does not fit 'bt.hci.command.ogf' (16 bits, at most 0x3f)"},
        TypeError{"usb.idVendor == \"046d\"", 1,
                  "'usb.idVendor' is a number; compare it with a number, not a string"},
        TypeError{"usb.serial == 7777", 1,
                  "'usb.serial' is a string; compare it with a \"string\""},
        TypeError{"usb.serial < \"a\"", 1,
                  "a string can only be compared with '==' or '!=', not '<'"},
        TypeError{"usb.serial[0:3] == \"ab\"", 1,
                  "string of 2 bytes compared with 3-byte slice of 'usb.serial' (the lengths "
                  "must be equal)"},
        TypeError{"usb.idVendor[0:1] == 1", 1,
                  "'usb.idVendor' is not a string or bytes field and cannot be sliced"},
        TypeError{"usb.urb.payload[4:4] == 1", 1,
                  "slice end must be greater than its start in 'usb.urb.payload'[4:4]"},
        TypeError{"usb.urb.payload[0:65] == 1", 1,
                  "slice of 'usb.urb.payload' is longer than 64 bytes"},
        TypeError{"usb.urb.payload[0:9] == 1", 1,
                  "9 bytes of 'usb.urb.payload' are more than 8; compare them with a string of 9 "
                  "bytes (\"\\xNN...\")"},
        TypeError{"usb.urb.payload[0:2] == 0x10000", 1,
                  "0x10000 does not fit 'usb.urb.payload' (16 bits, at most 0xffff)"},
        TypeError{"usb.urb.payload[0:2] < \"ab\"", 1,
                  "bytes compared with a string can only be compared with '==' or '!=', not '<'"},
        TypeError{"usb.urb.payload == 1", 1,
                  "'usb.urb.payload' has no fixed length; compare a slice of it, e.g. "
                  "usb.urb.payload[0:2]"},
        TypeError{"usb.urb.payload[65530:65540] == 1", 1,
                  "slice of 'usb.urb.payload' ends past byte 65535 of the packet"},
        TypeError{"usb.urb.setup[4:9] == 1", 1,
                  "slice end 9 is past the 8 bytes of 'usb.urb.setup'"},
        TypeError{"usb.interface_classes == 3", 1,
                  "'usb.interface_classes' is a set of numbers; test it with "
                  "usb.interface_classes in {...}"},
        TypeError{"usb.serial in {1}", 1, "'in' needs a number field; 'usb.serial' is not one"},
        TypeError{"usb.idVendor in {1, \"a\"}", 1,
                  "members of a set tested with 'in' must be numbers"},
        TypeError{"usb.interface.class in {3, 256}", 1,
                  "0x100 does not fit 'usb.interface.class' (8 bits, at most 0xff)"},
        TypeError{"bt.hci.len > usb.urb.payload[0:1]", 14,
                  "only number fields can be compared with each other; 'usb.urb.payload' is not "
                  "a number"},
        TypeError{"bt.hci.type == 4 && bt.l2cap.cid == 1", 21,
                  "a rule talks about one subsystem: 'bt.l2cap.cid' (bt.l2cap) cannot be used "
                  "with bt.hci fields"},
        TypeError{"usb.idVendor == 1 || usb.urb.pipe == 1", 22,
                  "a rule talks about one subsystem: 'usb.urb.pipe' (usb.urb) cannot be used with "
                  "usb device fields"},
        TypeError{"bt.hci.len == bt.l2cap.len", 15,
                  "a rule talks about one subsystem: 'bt.l2cap.len' (bt.l2cap) cannot be used with "
                  "bt.hci fields"},
        TypeError{"rule r ask { bt.hci.type == 4 }", 1,
                  "rule 'r': 'ask' is for device rules; a packet rule must drop, allow or log (no "
                  "one can answer for every packet)"}));

TEST(TypeChecker, MaxValueFollowsShiftAndMask) {
    EXPECT_EQ(TypeChecker::maxValue(*findField("usb.idVendor")), 0xffffu);
    EXPECT_EQ(TypeChecker::maxValue(*findField("bt.hci.acl.flags")), 0xfu);
    EXPECT_EQ(TypeChecker::maxValue(*findField("bt.hci.command.ocf")), 0x3ffu);
    EXPECT_EQ(TypeChecker::maxValue(*findField("bt.l2cap.skb_len")), 0xffffffffu);
}

} // namespace
} // namespace mamori::lbm
