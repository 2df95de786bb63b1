// The group table: every systemd-style group exists, expands to known syscalls, nests, and is
// documented in docs/sandbox-profiles.md.
#include "sandbox/SyscallGroups.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace mamori::sandbox {
namespace {

TEST(SyscallGroups, AllSystemdStyleGroupsExist) {
    for (const char* name :
         {"@aio",      "@basic-io",       "@chown",       "@clock",    "@cpu-emulation",
          "@debug",    "@default",        "@file-system", "@io-event", "@ipc",
          "@keyring",  "@memlock",        "@module",      "@mount",    "@network-io",
          "@obsolete", "@pkey",           "@privileged",  "@process",  "@raw-io",
          "@reboot",   "@resources",      "@setuid",      "@signal",   "@swap",
          "@sync",     "@system-service", "@timer"}) {
        EXPECT_TRUE(SyscallGroups::exists(name)) << name;
    }
    EXPECT_EQ(SyscallGroups::names().size(), 28U);
}

TEST(SyscallGroups, EveryGroupExpandsToKnownSyscalls) {
    for (const auto name : SyscallGroups::names()) {
        const auto members = SyscallGroups::expand(name);
        EXPECT_FALSE(members.empty()) << name;
        for (const auto& member : members) {
            EXPECT_GE(SyscallGroups::resolve(member), 0) << name << " " << member;
        }
    }
}

TEST(SyscallGroups, NestedGroupsAndSkippedNames) {
    const auto service = SyscallGroups::expand("@system-service");
    EXPECT_TRUE(service.contains("getppid")); // via @default
    EXPECT_TRUE(service.contains("accept4")); // via @network-io
    EXPECT_FALSE(service.contains("ptrace"));
    // vm86 and socketcall are i386-only: listed, but not x86_64 syscalls.
    EXPECT_FALSE(SyscallGroups::expand("@cpu-emulation").contains("vm86"));
    EXPECT_TRUE(SyscallGroups::expand("@cpu-emulation").contains("modify_ldt"));
    EXPECT_TRUE(SyscallGroups::expand("@privileged").contains("setuid"));
    EXPECT_TRUE(SyscallGroups::expand("@nope").empty());
}

TEST(SyscallGroups, DocumentationListsEveryGroup) {
    std::ifstream in(std::string(MAMORI_SOURCE_DIR) + "/docs/sandbox-profiles.md");
    ASSERT_TRUE(in);
    std::ostringstream text;
    text << in.rdbuf();
    for (const auto name : SyscallGroups::names()) {
        EXPECT_NE(text.str().find("`" + std::string(name) + "`"), std::string::npos) << name;
    }
}

} // namespace
} // namespace mamori::sandbox
