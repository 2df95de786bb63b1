// CgroupAppWatcher on an ordinary temporary directory: mkdir/rmdir of unit-named directories
// are what systemd does on cgroupfs, and inotify reports them the same way. The real cgroupfs
// run (root) is in tests/bpf/dns/DnsSteeringTest.cpp.
#include "dns/CgroupAppWatcher.h"

#include "TempDir.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace mamori::dns {
namespace {

namespace fs = std::filesystem;

struct Recorded {
    std::vector<CgroupAppWatcher::App> added;
    std::vector<CgroupAppWatcher::App> removed;
};

std::uint64_t inode(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
}

// Polls the watcher like the main loop does, until nothing more arrives for a moment.
void pump(CgroupAppWatcher& watcher) {
    pollfd pfd{watcher.fd(), POLLIN, 0};
    while (::poll(&pfd, 1, 100) > 0) {
        watcher.onReadable();
    }
}

class CgroupAppWatcherTest : public testing::Test {
protected:
    TempDir root;
    Recorded seen;
    CgroupAppWatcher watcher{
        root.path(), [this](const CgroupAppWatcher::App& app) { seen.added.push_back(app); },
        [this](const CgroupAppWatcher::App& app) { seen.removed.push_back(app); }};
};

TEST_F(CgroupAppWatcherTest, ReportsAppsPresentAtStart) {
    const fs::path scope = root.path() / "user.slice/user-1000.slice/user@1000.service/app.slice/"
                                         "app-gnome-org.example.App-1234.scope";
    fs::create_directories(scope);
    fs::create_directories(root.path() / "system.slice/dbus.service");
    watcher.start();
    ASSERT_EQ(seen.added.size(), 1U);
    EXPECT_EQ(seen.added[0].appId, "org.example.App");
    EXPECT_EQ(seen.added[0].cgroupId, inode(scope));
    EXPECT_EQ(seen.added[0].path, scope);
    EXPECT_TRUE(seen.removed.empty());
}

TEST_F(CgroupAppWatcherTest, FollowsScopesCreatedAndRemovedLater) {
    watcher.start();
    const fs::path slice = root.path() / "user.slice/app.slice";
    fs::create_directories(slice); // two levels at once: the lower one may be missed by the
                                   // watch and must be found by the walk of the new directory
    const fs::path flatpak = slice / "app-flatpak-org.mozilla.firefox-77.scope";
    fs::create_directory(flatpak);
    fs::create_directory(slice / "session-3.scope");
    pump(watcher);
    ASSERT_EQ(seen.added.size(), 1U);
    EXPECT_EQ(seen.added[0].appId, "org.mozilla.firefox");
    EXPECT_EQ(seen.added[0].cgroupId, inode(flatpak));

    fs::remove(flatpak);
    pump(watcher);
    ASSERT_EQ(seen.removed.size(), 1U);
    EXPECT_EQ(seen.removed[0].appId, "org.mozilla.firefox");
    EXPECT_TRUE(watcher.apps().empty());
}

TEST_F(CgroupAppWatcherTest, RemovingAParentReportsEveryAppBelowIt) {
    const fs::path slice = root.path() / "app.slice";
    fs::create_directories(slice / "app-gnome-a-1.scope");
    fs::create_directories(slice / "app-gnome-b@x.service");
    watcher.start();
    ASSERT_EQ(seen.added.size(), 2U);
    fs::remove_all(slice);
    pump(watcher);
    EXPECT_EQ(seen.removed.size(), 2U);
    EXPECT_TRUE(watcher.apps().empty());
}

TEST_F(CgroupAppWatcherTest, IgnoresDirectoriesBelowTheDepthBound) {
    fs::path deep = root.path();
    for (int level = 0; level < CgroupAppWatcher::kMaxDepth; ++level) {
        deep /= "d" + std::to_string(level);
    }
    fs::create_directories(deep);
    fs::create_directory(deep.parent_path() / "app-gnome-shallow-1.scope"); // depth 8: seen
    fs::create_directory(deep / "app-gnome-deep-1.scope");                  // depth 9: not
    watcher.start();
    ASSERT_EQ(seen.added.size(), 1U);
    EXPECT_EQ(seen.added[0].appId, "shallow");
}

} // namespace
} // namespace mamori::dns
