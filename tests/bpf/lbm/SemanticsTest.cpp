// The case-study filters on hand-built frames, run in the kernel (BPF_PROG_TEST_RUN through
// the real verifier). Each verdict is also checked against the Interpreter.
#include "CaseStudyRules.h"
#include "LbmTestSupport.h"
#include "lbm/Interpreter.h"

#include <gtest/gtest.h>

namespace mamori::lbm {
namespace {

using test::rules;

class SemanticsTest : public ::testing::Test {
protected:
    // Runs in the kernel, checks the verdict and the deciding rule, and that the Interpreter
    // agrees.
    void expectVerdict(const RuleFile& file, const lbm_packet_meta& meta,
                       const std::vector<uint8_t>& payload, Verdict expected,
                       const char* expectedRule = nullptr) {
        const test::LoadedFilter filter(file);
        const TestResult result = filter.run(meta, payload);
        EXPECT_EQ(result.verdict, expected);
        if (expectedRule != nullptr) {
            ASSERT_TRUE(result.ruleIndex.has_value());
            EXPECT_EQ(file.rules.at(*result.ruleIndex).name, expectedRule);
        }
        lbm_packet_meta withLength = meta;
        withLength.len = static_cast<uint32_t>(payload.size());
        const PacketVerdict reference = Interpreter::evaluatePacket(
            file, subsystemFromPacketCode(meta.subsystem).value_or(Subsystem::BtL2cap), withLength,
            payload);
        EXPECT_EQ(reference.drop, expected == Verdict::Drop);
        EXPECT_EQ(reference.ruleIndex, result.ruleIndex);
    }

    void SetUp() override { MAMORI_REQUIRE_ROOT(); }
};

TEST_F(SemanticsTest, BlueBorneConfigResponseIsDropped) {
    const auto file = rules(test::kBlueBorne);
    const auto meta = test::metaFor(LBM_SUBSYS_BT_L2CAP);
    // cmd len = 6 (scid, flags, result) + 70 option bytes = 76 >= 70
    expectVerdict(file, meta, test::configResponse(1, 70), Verdict::Drop, "blueborne");
}

TEST_F(SemanticsTest, NormalConfigResponsesAreAllowed) {
    const auto file = rules(test::kBlueBorne);
    const auto meta = test::metaFor(LBM_SUBSYS_BT_L2CAP);
    expectVerdict(file, meta, test::configResponse(0, 4), Verdict::Allow);  // success
    expectVerdict(file, meta, test::configResponse(1, 4), Verdict::Allow);  // pending, short
    expectVerdict(file, meta, test::configResponse(0, 80), Verdict::Allow); // long, success
}

TEST_F(SemanticsTest, TruncatedL2capFramesAreNotMatched) {
    const auto file = rules(test::kBlueBorne);
    auto frame = test::configResponse(1, 70);
    frame.resize(12); // the result field (bytes 12-13) is missing: the comparison is false
    expectVerdict(file, test::metaFor(LBM_SUBSYS_BT_L2CAP), frame, Verdict::Allow);
    expectVerdict(file, test::metaFor(LBM_SUBSYS_BT_L2CAP), {}, Verdict::Allow);
}

TEST_F(SemanticsTest, L2capRulesIgnoreOtherSubsystems) {
    const auto file = rules(test::kBlueBorne);
    expectVerdict(file, test::metaFor(LBM_SUBSYS_USB_URB), test::configResponse(1, 70),
                  Verdict::Allow);
}

TEST_F(SemanticsTest, MalformedHciEventLengths) {
    const auto file = rules(test::kHciLength);
    const auto event = test::hciMeta(4);
    expectVerdict(file, event, test::hciEvent(0x0e, 4, 4), Verdict::Allow);
    expectVerdict(file, event, test::hciEvent(0x0e, 200, 4), Verdict::Drop, "hci-event-overlong");
    expectVerdict(file, event, {0x0e}, Verdict::Drop, "hci-event-too-short");
    expectVerdict(file, event, {}, Verdict::Drop, "hci-event-too-short");
    // The same bytes as an ACL frame: handle 0x0e04?, length 4 + 4 = 8 > 6 bytes
    std::vector<uint8_t> acl{0x01, 0x20, 0x08, 0x00, 0xaa, 0xbb};
    expectVerdict(file, test::hciMeta(2), acl, Verdict::Drop, "hci-acl-overlong");
    acl.resize(12, 0xcc);
    expectVerdict(file, test::hciMeta(2), acl, Verdict::Allow);
}

TEST_F(SemanticsTest, UsbSetupPacketsAndUrbs) {
    const auto file = rules(test::kUsb);
    // GET_DESCRIPTOR (0x80 0x06) is allowed by the first rule.
    expectVerdict(file, test::controlUrb({0x80, 0x06, 0x00, 0x01, 0, 0, 0x12, 0}), {},
                  Verdict::Allow, "allow-get-descriptor");
    // HID SET_REPORT (0x21 0x09): dropped.
    expectVerdict(file, test::controlUrb({0x21, 0x09, 0x00, 0x02, 0, 0, 1, 0}), {0x01},
                  Verdict::Drop, "no-set-report");
    // GET_REPORT (0xa1 0x01): allowed by default.
    expectVerdict(file, test::controlUrb({0xa1, 0x01, 0x00, 0x01, 0, 0, 8, 0}), {}, Verdict::Allow);

    auto bulk = test::metaFor(LBM_SUBSYS_USB_URB);
    bulk.usb_transfer_type = 2;
    bulk.usb_id_vendor = 0x1234;
    const std::vector<uint8_t> cbw{'U', 'S', 'B', 'C', 1, 0, 0, 0};
    expectVerdict(file, bulk, cbw, Verdict::Drop, "no-cbw");
    expectVerdict(file, bulk, {'U', 'S', 'B'}, Verdict::Allow); // too short for the slice
    bulk.usb_id_vendor = 0x4321;
    expectVerdict(file, bulk, cbw, Verdict::Allow);

    auto interrupt = test::metaFor(LBM_SUBSYS_USB_URB);
    interrupt.usb_endpoint = 7;
    interrupt.usb_transfer_type = 2;
    expectVerdict(file, interrupt, {}, Verdict::Drop, "odd-endpoints");
    interrupt.usb_transfer_type = 3;
    expectVerdict(file, interrupt, {}, Verdict::Allow);
}

TEST_F(SemanticsTest, FirstMatchingRuleDecidesAndLogNeverDoes) {
    const auto file = rules("rule watch log { bt.hci.type == 4 }\n"
                            "rule ok allow { bt.hci.event.code == 0x0e }\n"
                            "rule events drop { bt.hci.type == 4 }\n");
    expectVerdict(file, test::hciMeta(4), test::hciEvent(0x0e, 0, 0), Verdict::Allow, "ok");
    expectVerdict(file, test::hciMeta(4), test::hciEvent(0x0f, 0, 0), Verdict::Drop, "events");
}

TEST_F(SemanticsTest, ShortPacketIsReportedNotGuessed) {
    const test::LoadedFilter filter(rules(test::kBlueBorne));
    const std::vector<uint8_t> shortPacket(20, 0);
    EXPECT_THROW(TestRunner(filter.fd.get()).run(shortPacket), std::invalid_argument);
}

} // namespace
} // namespace mamori::lbm
