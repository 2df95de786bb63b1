#include "core/StateStore.h"

#include "TempDir.h"
#include "TestFiles.h"
#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "core/EngineSettings.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace mamori;

using mamori::test::readFile;

namespace {

size_t entriesIn(const std::filesystem::path& dir) {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

} // namespace

TEST(AtomicFile, ReplacesContentAndLeavesNoTemporaries) {
    TempDir dir;
    const auto path = dir.path() / "x.state";
    writeFileAtomically(path, "one");
    writeFileAtomically(path, "two");
    EXPECT_EQ(readFile(path), "two");
    EXPECT_EQ(entriesIn(dir.path()), 1U);
}

TEST(AtomicFile, FailureLeavesNoTemporaryAndKeepsWhatWasThere) {
    TempDir dir;
    // A non-empty directory in the way makes the final rename fail, even for root.
    const auto path = dir.path() / "x.state";
    std::filesystem::create_directories(path / "keep");
    EXPECT_THROW(writeFileAtomically(path, "new"), std::system_error);
    EXPECT_TRUE(std::filesystem::is_directory(path / "keep"));
    EXPECT_EQ(entriesIn(dir.path()), 1U) << "the temporary file was left behind";
}

TEST(StateStore, SavesWithFormatVersionAndLoadsBack) {
    TempDir dir;
    StateStore store(dir.path());
    KeyFile content;
    content.set("Engines", "dns", "true");
    store.save("engines", content);
    EXPECT_NE(readFile(dir.path() / "engines.state").find("FormatVersion=1"), std::string::npos);
    const auto loaded = store.load("engines");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->value("Engines", "dns"), "true");
    EXPECT_FALSE(loaded->group("State")) << "the version header is the store's business";
    EXPECT_TRUE(store.corruptFiles().empty());
}

struct Corruption {
    const char* name;
    const char* content;
};

class StateStoreCorruption : public testing::TestWithParam<Corruption> {};

TEST_P(StateStoreCorruption, IsKeptAsideAndReported) {
    TempDir dir;
    std::ofstream(dir.path() / "engines.state") << GetParam().content;
    StateStore store(dir.path());
    EXPECT_FALSE(store.load("engines"));
    ASSERT_EQ(store.corruptFiles().size(), 1U);
    const std::filesystem::path aside = store.corruptFiles().front();
    EXPECT_TRUE(std::filesystem::exists(aside));
    EXPECT_EQ(readFile(aside), GetParam().content) << "the bad file must be kept byte for byte";
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "engines.state"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, StateStoreCorruption,
    testing::Values(Corruption{"garbage", "\x01\x02 not a keyfile"},
                    Corruption{"no_version", "[Engines]\ndns=true\n"},
                    Corruption{"future_version", "[State]\nFormatVersion=7\n[Engines]\ndns=true\n"},
                    Corruption{"truncated", "[State]\nFormatVersion=1\n[Engi"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EngineSettings, ChoicesSurviveANewInstance) {
    TempDir dir;
    Config config;
    {
        StateStore store(dir.path());
        EngineSettings engines(store);
        engines.load(config);
        engines.setEnabled(Engine::Devices, true);
    }
    StateStore store(dir.path());
    EngineSettings engines(store);
    engines.load(config);
    EXPECT_TRUE(engines.enabled(Engine::Devices));
    EXPECT_FALSE(engines.enabled(Engine::Dns));
}

TEST(EngineSettings, StateOverridesConfiguredDefaults) {
    TempDir dir;
    Config config;
    config.engineDefaults[Engine::Dns] = true;
    StateStore store(dir.path());
    EngineSettings engines(store);
    engines.load(config);
    EXPECT_TRUE(engines.enabled(Engine::Dns)) << "no choice yet: the default applies";
    engines.setEnabled(Engine::Dns, false);
    engines.load(config);
    EXPECT_FALSE(engines.enabled(Engine::Dns)) << "the user's choice wins over the default";
}

TEST(EngineSettings, FailedSaveChangesNothing) {
    TempDir dir;
    const auto blocker = dir.path() / "not-a-directory";
    std::ofstream(blocker) << "x";
    StateStore store(blocker / "state");
    EngineSettings engines(store);
    engines.load(Config{});
    try {
        engines.setEnabled(Engine::Sandbox, true);
        FAIL() << "saving under a regular file succeeded";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::StateNotSaved);
    }
    EXPECT_FALSE(engines.enabled(Engine::Sandbox));
}
