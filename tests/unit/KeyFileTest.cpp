#include "common/KeyFile.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using mamori::KeyFile;
using mamori::KeyFileEntry;
using mamori::KeyFileError;

TEST(KeyFile, ParsesGroupsKeysAndLineNumbers) {
    const auto file = KeyFile::parse(
        "# comment\n[Daemon]\nLogLevel = debug\n\n[Engines]\ndns=true\n", "test.conf");
    ASSERT_EQ(file.groups().size(), 2U);
    EXPECT_EQ(file.value("Daemon", "LogLevel"), "debug");
    EXPECT_EQ(file.value("Engines", "dns"), "true");
    EXPECT_EQ(file.group("Engines")->entries.front().line, 6);
    EXPECT_FALSE(file.value("Engines", "sandbox").has_value());
}

struct BadInput {
    const char* text;
    int line;
    const char* fragment;
};

class KeyFileErrors : public testing::TestWithParam<BadInput> {};

TEST_P(KeyFileErrors, NameFileLineAndProblem) {
    const auto& bad = GetParam();
    try {
        (void)KeyFile::parse(bad.text, "bad.conf");
        FAIL() << "accepted: " << bad.text;
    } catch (const KeyFileError& e) {
        EXPECT_EQ(e.line(), bad.line);
        const std::string message = e.what();
        EXPECT_NE(message.find("bad.conf:" + std::to_string(bad.line) + ":"), std::string::npos)
            << message;
        EXPECT_NE(message.find(bad.fragment), std::string::npos) << message;
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, KeyFileErrors,
                         testing::Values(BadInput{"key=value\n", 1, "outside of any [Group]"},
                                         BadInput{"[A]\nno equals sign\n", 2,
                                                  "expected 'key=value'"},
                                         BadInput{"[A\n", 1, "must end with ']'"},
                                         BadInput{"[A]\n[A]\n", 2, "duplicate group"},
                                         BadInput{"[A]\nk=1\nk=2\n", 3, "duplicate key 'k'"},
                                         BadInput{"[A]\nb a d=1\n", 2, "invalid key"},
                                         BadInput{"[]\n", 1, "invalid group name"}));

TEST(KeyFile, SerializeRoundTrips) {
    KeyFile file;
    file.set("Engines", "dns", "true");
    file.set("Engines", "sandbox", "false");
    file.set("Engines", "dns", "false");
    const auto again = KeyFile::parse(file.serialize(), "round-trip");
    EXPECT_EQ(again.value("Engines", "dns"), "false");
    EXPECT_EQ(again.value("Engines", "sandbox"), "false");
}

TEST(KeyFile, TypedValuesNameTheKey) {
    const auto file = KeyFile::parse("[A]\nflag=maybe\nn=12x\n", "typed.conf");
    const auto& entries = file.group("A")->entries;
    EXPECT_THROW((void)file.boolValue(entries[0]), KeyFileError);
    try {
        (void)file.unsignedValue(entries[1], 100);
        FAIL();
    } catch (const KeyFileError& e) {
        EXPECT_STREQ(e.what(), "typed.conf:3: n: expected a whole number from 0 to 100, got '12x'");
    }
}

TEST(KeyFile, MissingFileIsNotAnError) {
    EXPECT_FALSE(KeyFile::load("/nonexistent/mamori/test.conf").has_value());
}

TEST(KeyFile, UnknownKeysBecomeWarningsNamingTheirPlace) {
    const auto file = KeyFile::parse("[Dns]\nStubPort=53\nColour=blue\n", "mamori.conf");
    std::vector<std::string> known;
    std::vector<std::string> warnings;
    file.readKnownKeys(
        file.groups().front(),
        [&](const KeyFileEntry& entry) {
            if (entry.key != "StubPort") {
                return false;
            }
            known.push_back(entry.value);
            return true;
        },
        warnings);
    EXPECT_EQ(known, std::vector<std::string>{"53"});
    EXPECT_EQ(warnings,
              std::vector<std::string>{"mamori.conf:3: unknown key 'Colour' in [Dns], ignored"});
}
