// Finds the app units (AppIdentity) under a cgroup v2 tree and follows them as they come and
// go: one walk at start(), then inotify on every directory (cgroups are directories; systemd
// creates and removes them with mkdir/rmdir, which inotify sees), down to a bounded depth. The
// main loop watches fd() and calls onReadable() (EngineHooks style).
#pragma once

#include "common/UniqueFd.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace mamori::dns {

class CgroupAppWatcher {
public:
    struct App {
        // The cgroup v2 id: the directory's inode number on cgroupfs, which is what
        // bpf_get_current_cgroup_id() returns for a process inside it.
        std::uint64_t cgroupId = 0;
        std::string appId;
        std::filesystem::path path;
    };
    using Callback = std::function<void(const App&)>;

    // Directories deeper than this below the root are neither reported nor watched (a
    // session's apps sit at user.slice/user-1000.slice/user@1000.service/app.slice/<unit>,
    // depth 5).
    static constexpr int kMaxDepth = 8;

    // Nothing happens before start(). Throws std::system_error when inotify cannot be set up.
    CgroupAppWatcher(std::filesystem::path root, Callback onAdded, Callback onRemoved);
    CgroupAppWatcher(const CgroupAppWatcher&) = delete;
    CgroupAppWatcher& operator=(const CgroupAppWatcher&) = delete;

    // Watches the tree and reports every app unit already in it through onAdded. Throws
    // std::system_error when the root cannot be watched.
    void start();
    // Non-blocking inotify descriptor: readable when the tree changed.
    int fd() const noexcept { return inotify_.get(); }
    // Reads what happened and reports added and removed apps. Never blocks.
    void onReadable();

    const std::map<std::filesystem::path, App>& apps() const noexcept { return apps_; }
    std::size_t watchedDirectories() const noexcept { return watches_.size(); }

private:
    void watchTree(const std::filesystem::path& dir, int depth);
    void directoryAppeared(const std::filesystem::path& dir, int depth);
    void directoryRemoved(const std::filesystem::path& dir);
    // After an inotify queue overflow: walk again and report the difference.
    void rescan();

    std::filesystem::path root_;
    Callback onAdded_;
    Callback onRemoved_;
    UniqueFd inotify_;
    struct Watch {
        std::filesystem::path dir;
        int depth = 0;
    };
    std::map<int, Watch> watches_;
    std::map<std::filesystem::path, App> apps_;
};

} // namespace mamori::dns
