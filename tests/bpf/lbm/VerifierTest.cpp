// Every rule file we ship or test with must load through the running kernel's verifier; a
// file too large for it fails with a message about size, never as a "compiler bug".
#include "CaseStudyRules.h"
#include "LbmTestSupport.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <stdexcept>

namespace mamori::lbm {
namespace {

using test::rules;

void expectLoads(const RuleFile& file, const std::string& what) {
    for (const Target target : {Target::XdpHarness}) {
        const Program program = CodeGenerator(target).compile(file);
        EXPECT_NO_THROW({ const UniqueFd fd = ProgramLoader::load(program); }) << what;
    }
}

TEST(VerifierTest, CaseStudyRulesLoad) {
    MAMORI_REQUIRE_ROOT();
    expectLoads(rules(test::kBlueBorne), "blueborne");
    expectLoads(rules(test::kHciLength), "hci length");
    expectLoads(rules(test::kUsb), "usb");
}

TEST(VerifierTest, ShippedRuleFilesLoad) {
    MAMORI_REQUIRE_ROOT();
    const std::filesystem::path dir = std::filesystem::path(MAMORI_SOURCE_DIR) / "packaging/rules";
    if (!std::filesystem::is_directory(dir)) {
        GTEST_SKIP() << "no packaging/rules yet";
    }
    size_t loaded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".rules") {
            continue;
        }
        RuleFile file = Parser::parseFile(entry.path());
        TypeChecker::check(file);
        ConstantFolder::fold(file);
        expectLoads(file, entry.path().string());
        ++loaded;
    }
    EXPECT_GT(loaded, 0u);
}

// Every construct at once: nested !, &&, ||, sets small and large, wide slices, field
// comparisons with addends, 64-bit constants.
TEST(VerifierTest, EveryConstructLoads) {
    MAMORI_REQUIRE_ROOT();
    std::string bigSet;
    for (int i = 0; i < 100; ++i) {
        bigSet += (i == 0 ? "" : ", ") + std::to_string(i * 7);
    }
    expectLoads(rules("rule a drop { !(bt.l2cap.cid in {1, 5}) || (bt.l2cap.len < 4 && "
                      "!(bt.l2cap.payload[2:14] == \"abcdefghijkl\")) }\n"
                      "rule b allow { bt.l2cap.payload[0:7] > 0xffffffffff && "
                      "bt.l2cap.sig.cmd.len in {" +
                      bigSet +
                      "} }\n"
                      "rule c drop { bt.l2cap.len + 4 != bt.l2cap.skb_len }\n"
                      "rule d drop { bt.l2cap.payload[0:3] != 0x123456 || "
                      "bt.l2cap.payload[1:9] == 0x1122334455667788 }\n"),
                "every construct");
}

std::string generatedRules(int count) {
    std::string text;
    for (int i = 0; i < count; ++i) {
        const std::string n = std::to_string(i);
        switch (i % 3) {
        case 0:
            text.append("rule r")
                .append(n)
                .append(" drop { bt.l2cap.cid == ")
                .append(n)
                .append(" && bt.l2cap.sig.cmd.len > ")
                .append(std::to_string(i % 200))
                .append(" }\n");
            break;
        case 1:
            text.append("rule r")
                .append(n)
                .append(" allow { bt.l2cap.payload[")
                .append(std::to_string(i % 40))
                .append(":")
                .append(std::to_string(i % 40 + 2))
                .append("] == ")
                .append(n)
                .append(" || bt.l2cap.len < 3 }\n");
            break;
        default:
            text.append("rule r")
                .append(n)
                .append(" drop { bt.l2cap.sig.cmd.code in {1, 3, 5, ")
                .append(std::to_string(i % 250))
                .append("} && !(bt.l2cap.sig.cmd.id == 7) }\n");
            break;
        }
    }
    return text;
}

TEST(VerifierTest, HundredRulesLoad) {
    MAMORI_REQUIRE_ROOT();
    expectLoads(rules(generatedRules(100)), "100 rules");
}

TEST(VerifierTest, ThousandRulesLoadOrFailWithTheSizeMessage) {
    MAMORI_REQUIRE_ROOT();
    const Program program = CodeGenerator(Target::XdpHarness).compile(rules(generatedRules(1000)));
    try {
        const UniqueFd fd = ProgramLoader::load(program);
        EXPECT_TRUE(fd.valid());
    } catch (const std::length_error& e) {
        EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
    }
}

TEST(VerifierTest, TooManyRulesFailWithTheSizeMessageNotACompilerBug) {
    MAMORI_REQUIRE_ROOT();
    const Program program = CodeGenerator(Target::XdpHarness).compile(rules(generatedRules(6000)));
    try {
        const UniqueFd fd = ProgramLoader::load(program);
        GTEST_SKIP() << "this kernel verified 6000 rules; nothing too large to test";
    } catch (const std::length_error& e) {
        EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace mamori::lbm
