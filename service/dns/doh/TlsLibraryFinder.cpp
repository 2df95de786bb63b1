#include "dns/doh/TlsLibraryFinder.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <set>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <system_error>
#include <tuple>
#include <utility>

// The file-name rule is the kernel program's (bpf/doh_monitor.h), which needs __u32 first.
// clang-format off
#include <linux/types.h>
#include "doh_monitor.h"
// clang-format on

namespace mamori::dns {

namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";

// Splits off the next space-separated field of `rest`.
std::string_view nextField(std::string_view& rest) {
    const auto begin = rest.find_first_not_of(' ');
    if (begin == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(begin);
    const auto end = rest.find(' ');
    const std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return field;
}

template <typename T> bool parseHex(std::string_view text, T& value) {
    if (text.empty()) {
        return false;
    }
    const auto* last = text.data() + text.size();
    const auto [end, error] = std::from_chars(text.data(), last, value, 16);
    return error == std::errc() && end == last;
}

std::string_view fileName(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The name of a mapping's /proc/<pid>/map_files entry: its range, in maps' lower-case hex.
std::string rangeName(const MapsEntry& entry) {
    std::array<char, 2 * sizeof(std::uintptr_t) * 2 + 2> text{};
    const int length =
        std::snprintf(text.data(), text.size(), "%lx-%lx", static_cast<unsigned long>(entry.start),
                      static_cast<unsigned long>(entry.end));
    return {text.data(), static_cast<std::size_t>(length)};
}

struct FileId {
    dev_t device = 0;
    ino_t inode = 0;
    // Spelled out: clang-tidy 14 misreads a defaulted operator<=> (modernize-use-nullptr).
    bool operator<(const FileId& other) const {
        return std::tie(device, inode) < std::tie(other.device, other.inode);
    }
    bool operator==(const FileId& other) const {
        return device == other.device && inode == other.inode;
    }
};

std::optional<FileId> statFile(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return FileId{st.st_dev, st.st_ino};
}

} // namespace

TlsLibraryFinder::TlsLibraryFinder(std::filesystem::path procRoot)
    : procRoot_(std::move(procRoot)) {}

std::optional<FoundLibrary::Kind> TlsLibraryFinder::tlsLibraryKind(std::string_view name) {
    switch (doh_library_of_name(name.data(), name.size())) {
    case DOH_LIBRARY_OPENSSL:
        return FoundLibrary::Kind::OpenSsl;
    case DOH_LIBRARY_GNUTLS:
        return FoundLibrary::Kind::GnuTls;
    case DOH_LIBRARY_NONE:
        break;
    }
    return std::nullopt;
}

std::optional<MapsEntry> TlsLibraryFinder::parseMapsLine(std::string_view line) {
    std::string_view rest = line;
    const std::string_view range = nextField(rest);
    const std::string_view permissions = nextField(rest);
    const std::string_view offset = nextField(rest);
    const std::string_view device = nextField(rest);
    const std::string_view inode = nextField(rest);

    MapsEntry entry;
    const auto dash = range.find('-');
    const auto colon = device.find(':');
    unsigned int major = 0;
    unsigned int minor = 0;
    std::uint64_t inodeNumber = 0;
    if (dash == std::string_view::npos || colon == std::string_view::npos ||
        !parseHex(range.substr(0, dash), entry.start) ||
        !parseHex(range.substr(dash + 1), entry.end) || permissions.size() != 4 ||
        !parseHex(offset, entry.offset) || !parseHex(device.substr(0, colon), major) ||
        !parseHex(device.substr(colon + 1), minor)) {
        return std::nullopt;
    }
    const auto* inodeEnd = inode.data() + inode.size();
    const auto [end, error] = std::from_chars(inode.data(), inodeEnd, inodeNumber);
    if (inode.empty() || error != std::errc() || end != inodeEnd) {
        return std::nullopt;
    }
    entry.permissions = permissions;
    entry.device = makedev(major, minor);
    entry.inode = static_cast<ino_t>(inodeNumber);

    const auto pathStart = rest.find_first_not_of(' ');
    std::string_view path =
        pathStart == std::string_view::npos ? std::string_view() : rest.substr(pathStart);
    if (path.ends_with(kDeletedSuffix)) {
        path.remove_suffix(kDeletedSuffix.size());
        entry.deleted = true;
    }
    entry.path = path;
    return entry;
}

// AT_BASE of the auxiliary vector: where the kernel mapped the program's interpreter (the
// dynamic loader); absent or 0 for static programs.
std::optional<std::uintptr_t> TlsLibraryFinder::loaderBase(pid_t pid) const {
    std::ifstream auxv(procRoot_ / std::to_string(pid) / "auxv", std::ios::binary);
    std::array<unsigned long, 2> pair{};
    while (auxv.read(reinterpret_cast<char*>(pair.data()), sizeof(pair))) {
        if (pair[0] == AT_NULL) {
            break;
        }
        if (pair[0] == AT_BASE) {
            return pair[1] == 0 ? std::nullopt : std::optional<std::uintptr_t>(pair[1]);
        }
    }
    return std::nullopt;
}

// A path that reaches the very file mapped. Tried in order: the mapped path here, the path in
// the process's root (its mount namespace), the mapping's map_files link (deleted files, and
// anything else the first two miss); each must show the mapping's device and inode. Last, the
// process's root path with the same inode: overlayfs and btrfs report another device to stat()
// than to maps.
std::optional<std::filesystem::path> TlsLibraryFinder::openablePath(pid_t pid,
                                                                    const MapsEntry& entry) const {
    const auto processDir = procRoot_ / std::to_string(pid);
    std::vector<std::filesystem::path> candidates;
    std::filesystem::path rootPath;
    if (!entry.deleted && entry.path.starts_with('/')) {
        rootPath = processDir / "root" / std::filesystem::path(entry.path).relative_path();
        candidates.emplace_back(entry.path);
        candidates.push_back(rootPath);
    }
    candidates.push_back(processDir / "map_files" / rangeName(entry));
    const FileId wanted{entry.device, entry.inode};
    for (const auto& candidate : candidates) {
        if (statFile(candidate) == wanted) {
            return candidate;
        }
    }
    if (!rootPath.empty()) {
        const auto found = statFile(rootPath);
        if (found && found->inode == entry.inode) {
            return rootPath;
        }
    }
    return std::nullopt;
}

std::vector<FoundLibrary> TlsLibraryFinder::inProcess(pid_t pid) const {
    std::ifstream maps(procRoot_ / std::to_string(pid) / "maps");
    if (!maps) {
        return {};
    }
    const auto loader = loaderBase(pid);
    std::set<FileId> seen;
    std::vector<FoundLibrary> found;
    for (std::string line; std::getline(maps, line);) {
        const auto entry = parseMapsLine(line);
        if (!entry || entry->inode == 0 || entry->path.empty()) {
            continue;
        }
        std::optional<FoundLibrary::Kind> kind;
        if (loader && *loader >= entry->start && *loader < entry->end) {
            kind = FoundLibrary::Kind::DynamicLoader;
        } else {
            kind = tlsLibraryKind(fileName(entry->path));
        }
        if (!kind || !seen.insert(FileId{entry->device, entry->inode}).second) {
            continue;
        }
        auto path = openablePath(pid, *entry);
        if (!path) {
            continue;
        }
        found.push_back(
            FoundLibrary{*kind, std::move(*path), entry->path, entry->device, entry->inode, pid});
    }
    return found;
}

std::vector<FoundLibrary> TlsLibraryFinder::inAllProcesses() const {
    std::set<FileId> seen;
    std::vector<FoundLibrary> found;
    // Entries vanish while the directory is read: errors end the walk instead of throwing.
    std::error_code error;
    for (std::filesystem::directory_iterator process(procRoot_, error), end;
         !error && process != end; process.increment(error)) {
        const std::string name = process->path().filename();
        pid_t pid = 0;
        const auto* nameEnd = name.data() + name.size();
        const auto [parsed, parseError] = std::from_chars(name.data(), nameEnd, pid);
        if (parseError != std::errc() || parsed != nameEnd || pid <= 0) {
            continue;
        }
        for (auto& library : inProcess(pid)) {
            if (seen.insert(FileId{library.device, library.inode}).second) {
                found.push_back(std::move(library));
            }
        }
    }
    return found;
}

} // namespace mamori::dns
