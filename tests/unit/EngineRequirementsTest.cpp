#include "core/EngineRequirements.h"

#include "common/Names.h"

#include <gtest/gtest.h>

using namespace mamori;

namespace {

kernel::FeatureReport reportWith(bool sockAddr, bool xdp, bool userNotif) {
    kernel::FeatureReport report;
    report.features[std::string(names::feature::kCgroupSockAddr)] = {sockAddr, "probe says so"};
    report.features[std::string(names::feature::kXdp)] = {xdp, "XDP refused: EPERM"};
    report.features[std::string(names::feature::kSeccompUserNotif)] = {userNotif, "no notifier"};
    return report;
}

} // namespace

TEST(EngineRequirements, MetWhenTheKernelHasEverything) {
    const auto report = reportWith(true, true, true);
    for (const Engine engine : kAllEngines) {
        EXPECT_FALSE(missingRequirement(engine, report).has_value()) << engineName(engine);
    }
}

TEST(EngineRequirements, NameTheMissingFeatureAndWhy) {
    const auto missing = missingRequirement(Engine::Dns, reportWith(true, false, true));
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(*missing, "dns needs kernel feature xdp, which is unavailable: XDP refused: EPERM");
    EXPECT_TRUE(missingRequirement(Engine::Sandbox, reportWith(true, true, false)).has_value());
}

TEST(EngineRequirements, DevicesNeedNoBpf) {
    EXPECT_FALSE(missingRequirement(Engine::Devices, kernel::FeatureReport{}).has_value());
}

TEST(EngineRequirements, AFeatureTheProbeNeverRanCountsAsMissing) {
    const auto missing = missingRequirement(Engine::Dns, kernel::FeatureReport{});
    ASSERT_TRUE(missing.has_value());
    EXPECT_NE(missing->find("not probed"), std::string::npos);
}
