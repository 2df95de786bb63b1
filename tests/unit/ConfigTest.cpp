#include "core/Config.h"

#include "TempDir.h"
#include "common/Errors.h"

#include <fstream>
#include <gtest/gtest.h>
#include <utility>

using namespace mamori;

namespace {

std::filesystem::path writeConfig(const TempDir& dir, const std::string& text) {
    auto path = dir.path() / "mamori.conf";
    std::ofstream(path) << text;
    return path;
}

} // namespace

TEST(Config, DefaultsWhenFileIsMissing) {
    TempDir dir;
    const auto loaded = loadConfig(dir.path() / "absent.conf");
    EXPECT_EQ(loaded.config.logLevel, log::Level::Info);
    EXPECT_EQ(loaded.config.polkitTimeout, std::chrono::seconds(120));
    EXPECT_FALSE(loaded.config.engineDefaults.at(Engine::Dns));
    EXPECT_TRUE(loaded.warnings.empty());
}

TEST(Config, ReadsEveryDocumentedKey) {
    TempDir dir;
    const auto loaded = loadConfig(writeConfig(
        dir, "[Daemon]\nLogLevel=debug\nPolkitTimeoutSec=30\n[Engines]\ndns=yes\ndevices=true\n"));
    EXPECT_EQ(loaded.config.logLevel, log::Level::Debug);
    EXPECT_EQ(loaded.config.polkitTimeout, std::chrono::seconds(30));
    EXPECT_TRUE(loaded.config.engineDefaults.at(Engine::Dns));
    EXPECT_TRUE(loaded.config.engineDefaults.at(Engine::Devices));
    EXPECT_FALSE(loaded.config.engineDefaults.at(Engine::Sandbox));
}

TEST(Config, DohMonitorScopes) {
    using Scope = dns::DnsConfig::DohMonitorScope;
    TempDir dir;
    EXPECT_EQ(loadConfig(dir.path() / "absent.conf").config.dns.dohMonitor, Scope::DohClients)
        << "on by default, in the processes that talk to known DoH servers";
    for (const auto& [value, scope] :
         {std::pair{"true", Scope::DohClients}, std::pair{"no", Scope::Off},
          std::pair{"all-processes", Scope::AllProcesses}}) {
        const auto path = writeConfig(dir, std::string("[Dns]\nDohMonitor=") + value + "\n");
        EXPECT_EQ(loadConfig(path).config.dns.dohMonitor, scope) << value;
    }
}

TEST(Config, UnknownKeysAreWarningsWithLocation) {
    TempDir dir;
    const auto path = writeConfig(dir, "[Daemon]\nColour=blue\n[Extra]\n[Engines]\nvpn=true\n");
    const auto loaded = loadConfig(path);
    ASSERT_EQ(loaded.warnings.size(), 3U);
    EXPECT_EQ(loaded.warnings[0], path.string() + ":2: unknown key 'Colour' in [Daemon], ignored");
    EXPECT_NE(loaded.warnings[1].find(":3: unknown group [Extra]"), std::string::npos);
    EXPECT_NE(loaded.warnings[2].find(":5: unknown engine 'vpn'"), std::string::npos);
}

struct BadConfig {
    const char* text;
    const char* expected;
};

class ConfigErrors : public testing::TestWithParam<BadConfig> {};

TEST_P(ConfigErrors, AreBadConfigNamingLineAndKey) {
    TempDir dir;
    const auto path = writeConfig(dir, GetParam().text);
    try {
        (void)loadConfig(path);
        FAIL() << "accepted " << GetParam().text;
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadConfig);
        EXPECT_EQ(std::string(e.what()), path.string() + GetParam().expected);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrors,
    testing::Values(
        BadConfig{"[Daemon]\nLogLevel=loud\n",
                  ":2: LogLevel: expected error, warning, notice, info or debug, got 'loud'"},
        BadConfig{"[Daemon]\nPolkitTimeoutSec=0\n", ":2: PolkitTimeoutSec: must be at least 1"},
        BadConfig{"[Daemon]\nPolkitTimeoutSec=99999\n",
                  ":2: PolkitTimeoutSec: expected a whole number from 0 to 3600, got '99999'"},
        BadConfig{"[Engines]\n\ndns=perhaps\n", ":3: dns: expected true or false, got 'perhaps'"},
        BadConfig{"[Dns]\nDohMonitor=some\n",
                  ":2: DohMonitor: expected true, false or all-processes, got 'some'"},
        BadConfig{"[Daemon\n", ":1: group header must end with ']'"}));
