#include "devices/DevicesConfig.h"

#include "common/Errors.h"
#include "common/KeyFile.h"

#include <gtest/gtest.h>

using namespace mamori;
using namespace mamori::devices;

namespace {

DevicesConfig read(const std::string& text, std::vector<std::string>* warnings = nullptr) {
    const KeyFile file = KeyFile::parse(text, "mamori.conf");
    DevicesConfig config;
    std::vector<std::string> ignored;
    readDevicesConfig(file, *file.group("Devices"), config, warnings ? *warnings : ignored);
    return config;
}

std::string errorOf(const std::string& text) {
    try {
        read(text);
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadConfig);
        return e.what();
    }
    return "no error";
}

TEST(DevicesConfig, DefaultsProtectWithoutLockingOut) {
    const DevicesConfig config;
    EXPECT_EQ(config.defaultPolicy, DefaultPolicy::Ask);
    EXPECT_TRUE(config.keepPresentDevices);
    EXPECT_TRUE(config.allowFirstKeyboard);
    EXPECT_EQ(config.approvalTimeout, std::chrono::seconds(30));
    EXPECT_FALSE(config.rejectBlocked);
    EXPECT_FALSE(config.bindRulesToPort);
    EXPECT_TRUE(config.enforce);
}

TEST(DevicesConfig, ReadsEveryKey) {
    const auto config = read("[Devices]\nDefaultPolicy=block\nKeepPresentDevices=no\n"
                             "AllowFirstKeyboard=false\nApprovalTimeoutSec=23\nRejectBlocked=yes\n"
                             "BindRulesToPort=true\nEnforce=0\n"
                             "RuleFiles=/etc/mamori/a.rules;/etc/mamori/b.rules\n");
    EXPECT_EQ(config.defaultPolicy, DefaultPolicy::Block);
    EXPECT_FALSE(config.keepPresentDevices);
    EXPECT_FALSE(config.allowFirstKeyboard);
    EXPECT_EQ(config.approvalTimeout, std::chrono::seconds(23));
    EXPECT_TRUE(config.rejectBlocked);
    EXPECT_TRUE(config.bindRulesToPort);
    EXPECT_FALSE(config.enforce);
    ASSERT_EQ(config.ruleFiles.size(), 2U);
    EXPECT_EQ(config.ruleFiles[1], "/etc/mamori/b.rules");
}

TEST(DevicesConfig, ErrorsNameFileAndLine) {
    EXPECT_EQ(errorOf("[Devices]\nDefaultPolicy=maybe\n"),
              "mamori.conf:2: DefaultPolicy: expected allow, ask or block, got 'maybe'");
    EXPECT_EQ(errorOf("[Devices]\n\nApprovalTimeoutSec=0\n"),
              "mamori.conf:3: ApprovalTimeoutSec: must be at least 1");
    EXPECT_NE(errorOf("[Devices]\nApprovalTimeoutSec=3601\n").find("mamori.conf:2:"),
              std::string::npos);
    EXPECT_NE(errorOf("[Devices]\nEnforce=perhaps\n").find("mamori.conf:2:"), std::string::npos);
    EXPECT_NE(errorOf("[Devices]\nRuleFiles=relative.rules\n").find("not an absolute path"),
              std::string::npos);
}

TEST(DevicesConfig, UnknownKeysAreWarnings) {
    std::vector<std::string> warnings;
    read("[Devices]\nDefaultPolicy=allow\nColour=blue\n", &warnings);
    EXPECT_EQ(warnings, std::vector<std::string>{
                            "mamori.conf:3: unknown key 'Colour' in [Devices], ignored"});
}

TEST(DevicesConfig, PolicyNamesRoundTrip) {
    for (const auto policy : {DefaultPolicy::Allow, DefaultPolicy::Ask, DefaultPolicy::Block}) {
        EXPECT_EQ(parseDefaultPolicy(defaultPolicyName(policy)), policy);
    }
    EXPECT_FALSE(parseDefaultPolicy("Allow").has_value());
}

} // namespace
