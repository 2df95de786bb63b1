#include "dns/CgroupAppWatcher.h"

#include "dns/AppIdentity.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace mamori::dns {
namespace {

// IN_DELETE_SELF/IN_IGNORED come for free; IN_ONLYDIR because cgroups are directories and the
// files inside them (cgroup.procs, ...) are of no interest.
constexpr std::uint32_t kWatchMask =
    IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR;

std::system_error systemError(const std::string& what) {
    return {errno, std::generic_category(), what};
}

bool isUnder(const std::filesystem::path& path, const std::filesystem::path& dir) {
    const auto [dirEnd, pathIt] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
    return dirEnd == dir.end();
}

} // namespace

CgroupAppWatcher::CgroupAppWatcher(std::filesystem::path root, Callback onAdded, Callback onRemoved)
    : root_(std::move(root))
    , onAdded_(std::move(onAdded))
    , onRemoved_(std::move(onRemoved))
    , inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (!inotify_) {
        throw systemError("inotify_init1");
    }
}

void CgroupAppWatcher::start() {
    const int wd = ::inotify_add_watch(inotify_.get(), root_.c_str(), kWatchMask);
    if (wd < 0) {
        throw systemError("watch cgroup tree " + root_.string());
    }
    watches_[wd] = Watch{root_, 0};
    watchTree(root_, 0);
}

// The watch on `dir` is set before its entries are listed, so a child created meanwhile is
// seen at least once; apps_ makes seeing it twice harmless.
void CgroupAppWatcher::watchTree(const std::filesystem::path& dir, int depth) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) {
            directoryAppeared(it->path(), depth + 1);
        }
    }
}

void CgroupAppWatcher::directoryAppeared(const std::filesystem::path& dir, int depth) {
    if (depth > kMaxDepth) {
        return;
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return; // gone again already; its IN_DELETE follows
    }
    if (auto appId = AppIdentity::fromUnit(dir.filename().string());
        appId && apps_.find(dir) == apps_.end()) {
        const App& app = apps_[dir] = App{st.st_ino, std::move(*appId), dir};
        onAdded_(app);
    }
    if (depth < kMaxDepth) {
        const int wd = ::inotify_add_watch(inotify_.get(), dir.c_str(), kWatchMask);
        if (wd >= 0) {
            watches_[wd] = Watch{dir, depth};
        }
        watchTree(dir, depth);
    }
}

void CgroupAppWatcher::directoryRemoved(const std::filesystem::path& dir) {
    std::vector<App> removed;
    for (auto it = apps_.begin(); it != apps_.end();) {
        if (isUnder(it->first, dir)) {
            removed.push_back(std::move(it->second));
            it = apps_.erase(it);
        } else {
            ++it;
        }
    }
    // The kernel drops the removed directories' watches itself (IN_IGNORED follows).
    for (const auto& app : removed) {
        onRemoved_(app);
    }
}

void CgroupAppWatcher::onReadable() {
    // Large enough for many events at once; events are never split across reads.
    alignas(inotify_event) std::array<char, 16384> buffer{};
    for (;;) {
        const ssize_t got = ::read(inotify_.get(), buffer.data(), buffer.size());
        if (got <= 0) {
            return; // EAGAIN: drained
        }
        for (ssize_t offset = 0; offset < got;) {
            inotify_event event{};
            std::memcpy(&event, buffer.data() + offset, sizeof event);
            const char* name = buffer.data() + offset + sizeof(inotify_event);
            offset += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
            if ((event.mask & IN_Q_OVERFLOW) != 0) {
                rescan();
                continue;
            }
            const auto watch = watches_.find(event.wd);
            if (watch == watches_.end()) {
                continue;
            }
            if ((event.mask & IN_IGNORED) != 0) {
                watches_.erase(watch);
                continue;
            }
            if ((event.mask & IN_ISDIR) == 0 || event.len == 0) {
                continue;
            }
            const std::filesystem::path child = watch->second.dir / std::string(name);
            if ((event.mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
                directoryAppeared(child, watch->second.depth + 1);
            } else if ((event.mask & (IN_DELETE | IN_MOVED_FROM)) != 0) {
                directoryRemoved(child);
            }
        }
    }
}

void CgroupAppWatcher::rescan() {
    const auto before = std::exchange(apps_, {});
    std::map<std::filesystem::path, App> seen;
    {
        // Collect without reporting, then report the difference.
        Callback keepAdded =
            std::exchange(onAdded_, [&seen](const App& app) { seen[app.path] = app; });
        watchTree(root_, 0);
        onAdded_ = std::move(keepAdded);
    }
    for (const auto& [path, app] : before) {
        const auto now = seen.find(path);
        if (now == seen.end() || now->second.cgroupId != app.cgroupId) {
            onRemoved_(app);
        }
    }
    for (const auto& [path, app] : seen) {
        const auto old = before.find(path);
        if (old == before.end() || old->second.cgroupId != app.cgroupId) {
            onAdded_(app);
        }
    }
}

} // namespace mamori::dns
