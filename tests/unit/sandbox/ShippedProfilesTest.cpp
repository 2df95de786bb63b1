// Every profile in packaging/profiles checks and compiles; the servers really specialise
// between their init and serve phases.
#include "sandbox/FilterCompiler.h"
#include "sandbox/ProfileBuilder.h"
#include "sandbox/ProfileLoader.h"

#include <filesystem>
#include <gtest/gtest.h>

namespace mamori::sandbox {
namespace {

const std::filesystem::path kDir = std::filesystem::path(MAMORI_SOURCE_DIR) / "packaging/profiles";

ProfileLoader shippedLoader() {
    return ProfileLoader({kDir});
}

TEST(ShippedProfiles, EveryProfileChecksAndCompiles) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
        if (entry.path().extension() != ".profile") {
            continue;
        }
        SCOPED_TRACE(entry.path().string());
        ++count;
        Profile profile;
        ASSERT_NO_THROW(profile = shippedLoader().load(entry.path().stem().string()));
        const auto compiled = FilterCompiler(KernelSeccomp::stock()).compile(profile);
        EXPECT_FALSE(compiled.filter.exportBpf().empty());
        EXPECT_NE(compiled.plan.find("getppid"), nullptr);
    }
    EXPECT_GE(count, 5);
}

TEST(ShippedProfiles, ServersServeWithFewerSyscallsThanTheyStartWith) {
    for (const char* name : {"nginx", "memcached"}) {
        const Profile p = shippedLoader().load(name);
        ASSERT_EQ(p.phases.size(), 2U) << name;
        const auto init = ProfileBuilder::allowedIn(p, p.phases[0]).size();
        const auto serve = ProfileBuilder::allowedIn(p, p.phases[1]).size();
        EXPECT_LT(serve, init) << name;
        EXPECT_FALSE(ProfileBuilder::allowedIn(p, p.phases[1]).contains("execve")) << name;
    }
}

TEST(ShippedProfiles, CurlNeedsNoSupervisor) {
    const auto compiled =
        FilterCompiler(KernelSeccomp::stock()).compile(shippedLoader().load("curl"));
    EXPECT_FALSE(compiled.plan.needsSupervisor());
}

} // namespace
} // namespace mamori::sandbox
