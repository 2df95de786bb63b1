// The LBM hooks on this machine's stock kernel: every way in names the missing patch instead of
// loading a BPF_PROG_TYPE_LBM number that means something else here. The hooks themselves are
// tested on the patched kernel in qemu (kernel-patches/guest/userspace_test.c and
// lbm_*_test.c, ctest kernel_patches_qemu).
#include "lbm/LbmHooks.h"

#include "LbmTestSupport.h"
#include "devices/PacketFilter.h"
#include "lbm/ProgramLoader.h"

#include <gtest/gtest.h>
#include <stdexcept>

namespace mamori::lbm {
namespace {

using test::rules;

constexpr const char* kMixed =
    "rule usb-hid drop { usb.urb.idVendor == 0x0627 }\n"
    "rule device-only allow { usb.idVendor == 0x1d6b }\n"
    "rule blueborne drop { bt.l2cap.cid == 1 && bt.l2cap.sig.cmd.len >= 70 }\n";

#define SKIP_IF_PATCHED()                                                                          \
    if (LbmHooks::available()) {                                                                   \
        GTEST_SKIP() << "this kernel has the LBM hooks; the qemu guest tests cover them";          \
    }

TEST(LbmHooksTest, CompiledRulesKnowTheirSubsystem) {
    const Program program = CodeGenerator(Target::LbmProgram).compile(rules(kMixed));
    ASSERT_EQ(program.rules.size(), 2U); // the device rule is not in the program
    EXPECT_EQ(program.rules[0].subsystem, Subsystem::UsbUrb);
    EXPECT_EQ(program.rules[1].subsystem, Subsystem::BtL2cap);
}

TEST(LbmHooksTest, WithoutThePatchLoadingAndAttachingNameIt) {
    SKIP_IF_PATCHED();
    const Program program = CodeGenerator(Target::LbmProgram).compile(rules(kMixed));
    for (const auto& attempt : {+[](const Program& p) { ProgramLoader::load(p); },
                                +[](const Program& p) { LbmHooks::install(p); }}) {
        try {
            attempt(program);
            ADD_FAILURE() << "loaded an LBM program on a stock kernel";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("kernel-patches/"), std::string::npos) << e.what();
        }
    }
}

TEST(LbmHooksTest, HarnessFormIsRefusedByTheHooks) {
    const Program program = CodeGenerator(Target::XdpHarness).compile(rules(kMixed));
    EXPECT_THROW(LbmHooks::install(program), std::invalid_argument);
}

TEST(PacketFilterTest, StockKernelReportsThePacketRulesItCannotEnforce) {
    SKIP_IF_PATCHED();
    const std::string outcome = devices::PacketFilter::apply(rules(kMixed));
    EXPECT_NE(outcome.find("2 packet rules are not enforced"), std::string::npos) << outcome;
    EXPECT_NE(outcome.find("LBM"), std::string::npos) << outcome;
    // Device rules alone are the devices engine's business: nothing to say about packets.
    EXPECT_EQ(devices::PacketFilter::apply(rules("rule hub allow { usb.idVendor == 0x1d6b }\n")),
              "");
}

} // namespace
} // namespace mamori::lbm
