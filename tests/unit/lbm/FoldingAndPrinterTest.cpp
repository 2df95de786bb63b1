// Constant folding keeps the meaning (checked with the Interpreter on many packets and
// devices), and printed trees parse back to the same tree.
#include "LbmTestHelpers.h"
#include "lbm/AstEquality.h"
#include "lbm/ConstantFolder.h"
#include "lbm/Printer.h"

#include <gtest/gtest.h>
#include <random>

namespace mamori::lbm {
namespace {

struct FoldCase {
    std::string input;
    std::string folded;
};

class Folds : public ::testing::TestWithParam<FoldCase> {};

TEST_P(Folds, ToTheSimplerTree) {
    ExprPtr expr = ConstantFolder::fold(test::checkedExpr(GetParam().input));
    EXPECT_EQ(Printer::print(*expr), GetParam().folded);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Folds,
    ::testing::Values(FoldCase{"!true", "false"}, FoldCase{"!!false", "false"},
                      FoldCase{"true && bt.hci.type == 1", "bt.hci.type == 1"},
                      FoldCase{"bt.hci.type == 1 && true", "bt.hci.type == 1"},
                      FoldCase{"bt.hci.type == 1 && false", "false"},
                      FoldCase{"false || bt.hci.type == 1", "bt.hci.type == 1"},
                      FoldCase{"bt.hci.type == 1 || true", "true"},
                      FoldCase{"!!bt.hci.type == 1", "bt.hci.type == 1"},
                      FoldCase{"!!!bt.hci.type == 1", "!bt.hci.type == 1"},
                      FoldCase{"!(!(bt.hci.type == 1) || false)", "bt.hci.type == 1"},
                      FoldCase{"bt.hci.type in {1, 2, 1, 2, 4}", "bt.hci.type in {1, 2, 4}"},
                      FoldCase{"!(true && !false) || bt.hci.len < 2", "bt.hci.len < 2"},
                      // Never turned into `!=`: the two differ outside the packet.
                      FoldCase{"!bt.hci.event.code == 1", "!bt.hci.event.code == 1"}));

// Expressions over one HCI frame layout used for the meaning-preservation test.
const std::vector<std::string> kHciExpressions = {
    "!!bt.hci.event.code == 0x0e && true",
    "!(bt.hci.event.len + 2 > bt.hci.len || false) && !!!bt.hci.type == 2",
    "false || bt.hci.payload[1:3] == 0x04ee || !true",
    "bt.hci.type in {4, 4, 1} && !(false || !bt.hci.event.len < 3)",
    "!(bt.hci.acl.handle == 1 && true) || (true && bt.hci.command.ogf != 3)",
    "true && (bt.hci.len >= bt.hci.event.len + 1 || !!(false))",
};

TEST(ConstantFolder, KeepsTheMeaningOnRandomPackets) {
    std::mt19937 random(1234);
    for (const auto& text : kHciExpressions) {
        const ExprPtr original = test::checkedExpr(text);
        const ExprPtr folded = ConstantFolder::fold(test::checkedExpr(text));
        for (int round = 0; round < 500; ++round) {
            test::Packet p;
            p.meta.bt_hci_type = random() % 6;
            p.bytes.resize(random() % 8);
            for (auto& byte : p.bytes) {
                byte = static_cast<uint8_t>(random() % 5 == 0 ? 0x0e : random());
            }
            p.meta.len = static_cast<__u32>(random() % 4 == 0 ? random() % 300 : p.bytes.size());
            EXPECT_EQ(Interpreter::matches(*original, p.meta, p.bytes),
                      Interpreter::matches(*folded, p.meta, p.bytes))
                << text;
        }
    }
}

TEST(ConstantFolder, KeepsTheMeaningOnDevices) {
    const std::string text = "!!(usb.interface_classes in {3, 3, 8}) && true || !(false || "
                             "usb.serial[0:2] != \"KB\")";
    const ExprPtr original = test::checkedExpr(text);
    const ExprPtr folded = ConstantFolder::fold(test::checkedExpr(text));
    for (const auto& serial : {std::optional<std::string>{}, std::optional<std::string>{"KB1"},
                               std::optional<std::string>{"X"}}) {
        for (uint8_t cls : {3, 8, 9}) {
            DeviceDescription d = test::keyboard(1, 2, serial);
            d.interfaces[0].interfaceClass = cls;
            EXPECT_EQ(Interpreter::matches(*original, d), Interpreter::matches(*folded, d));
        }
    }
}

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, PrintThenParseGivesTheSameTree) {
    RuleFile file = test::checkedFile(GetParam());
    const std::string printed = Printer::print(file);
    const RuleFile again = Parser::parse(printed, "printed.rules");
    EXPECT_TRUE(AstEquality::equal(file, again)) << printed;
    EXPECT_EQ(Printer::print(again), printed);
    ConstantFolder::fold(file);
    const RuleFile foldedAgain = Parser::parse(Printer::print(file), "folded.rules");
    EXPECT_TRUE(AstEquality::equal(file, foldedAgain)) << Printer::print(file);
}

INSTANTIATE_TEST_SUITE_P(
    Files, RoundTrip,
    ::testing::Values(
        "usb.idVendor == 1 || usb.idVendor == 2 || usb.idVendor == 3",
        "usb.idVendor == 1 || (usb.idVendor == 2 || usb.idVendor == 3)",
        "usb.idVendor == 1 && (usb.idVendor == 2 && usb.idVendor == 3)",
        "(usb.idVendor == 1 || usb.idVendor == 2) && !(usb.idVendor == 3 || usb.idVendor == 4)",
        "!!!(usb.idVendor == 1) && !(!usb.idProduct == 2 && true)",
        "rule a ask { usb.interface.class in {3, 3, 8} && usb.serial == \"\\x00\\\"\\\\\\xff\" }",
        "rule b log { usb.urb.payload[0:64] == "
        "\"0123456789012345678901234567890123456789012345678901234567890123\" }",
        "bt.hci.event.len + 2 > bt.hci.len\nbt.hci.len + 0xffffffff <= bt.hci.event.len + 1",
        "rule t allow { true }\nrule f drop { false || !true }",
        "usb.urb.setup[0:1] >= 0x80 && usb.urb.setup.wLength > 64"));

TEST(AstEquality, SeesEveryDifference) {
    const auto a = test::checkedExpr("usb.urb.payload[0:2] == 1");
    EXPECT_TRUE(AstEquality::equal(*a, *test::checkedExpr("usb.urb.payload[0:2]  ==  0x1")));
    EXPECT_FALSE(AstEquality::equal(*a, *test::checkedExpr("usb.urb.payload[0:2] == 2")));
    EXPECT_FALSE(AstEquality::equal(*a, *test::checkedExpr("usb.urb.payload[1:2] == 1")));
    EXPECT_FALSE(AstEquality::equal(*a, *test::checkedExpr("usb.urb.payload[0:2] != 1")));
    EXPECT_FALSE(AstEquality::equal(*a, *test::checkedExpr("usb.urb.payload[0:2] == \"ab\"")));
    EXPECT_FALSE(AstEquality::equal(*a, *test::checkedExpr("!usb.urb.payload[0:2] == 1")));
    const auto f = test::checkedExpr("bt.hci.len + 1 > bt.hci.event.len");
    EXPECT_FALSE(AstEquality::equal(*f, *test::checkedExpr("bt.hci.len + 2 > bt.hci.event.len")));
    EXPECT_FALSE(AstEquality::equal(*f, *test::checkedExpr("bt.hci.len > bt.hci.event.len + 1")));
}

} // namespace
} // namespace mamori::lbm
