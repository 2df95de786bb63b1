// Finds the TLS libraries (OpenSSL's libssl.so.*, GnuTLS's libgnutls.so.*) and dynamic loaders
// that processes have mapped, by reading /proc/<pid>/maps: never a hard-coded path, so a
// library in /opt, in a container or in a Flatpak runtime is found where the process got it.
// Files are identified by (device, inode) as maps shows them, which is what a uprobe is placed
// on; the same file mapped by many processes (or under several names) is reported once.
//
// Each file comes with a path this process can open it by: the mapped path when it names the
// same file here; else /proc/<pid>/root/<path> (the process lives in another mount namespace);
// else /proc/<pid>/map_files/<range> (the file was deleted or replaced after it was mapped,
// "(deleted)" in maps). Processes that exit while being read are skipped, never an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace mamori::dns {

struct FoundLibrary {
    // DynamicLoader: the ld.so a process was started with (from its auxiliary vector), which
    // DohProbes watches to hear of libraries loaded later.
    enum class Kind { OpenSsl, GnuTls, DynamicLoader };

    Kind kind = Kind::OpenSsl;
    // Where this process opens (and attaches to) the file.
    std::filesystem::path path;
    // The path as the mapping process's maps name it, without " (deleted)".
    std::string mappedPath;
    // As /proc/<pid>/maps shows them: makedev(major, minor) and the inode number.
    dev_t device = 0;
    ino_t inode = 0;
    // A process that maps it (the first one seen).
    pid_t pid = 0;
};

// One line of /proc/<pid>/maps.
struct MapsEntry {
    std::uintptr_t start = 0;
    std::uintptr_t end = 0;
    std::string permissions;
    std::uint64_t offset = 0;
    dev_t device = 0;
    ino_t inode = 0;
    // Without the " (deleted)" suffix; empty for anonymous mappings.
    std::string path;
    bool deleted = false;
};

class TlsLibraryFinder {
public:
    // `procRoot` is /proc; tests point it at a fake tree.
    explicit TlsLibraryFinder(std::filesystem::path procRoot = "/proc");

    // The TLS libraries and the loader of one process, each file once. Empty when the process
    // is gone or its maps cannot be read.
    std::vector<FoundLibrary> inProcess(pid_t pid) const;
    // Every process's, each file once (the first process seen for it).
    std::vector<FoundLibrary> inAllProcesses() const;

    // Which TLS library a file name (the last path component) is, by the rule the kernel side
    // uses too (bpf/doh_monitor.h): libssl.so[.<version>], libgnutls.so[.<version>].
    static std::optional<FoundLibrary::Kind> tlsLibraryKind(std::string_view fileName);
    // nullopt for a line that is not "start-end perms offset major:minor inode [path]".
    static std::optional<MapsEntry> parseMapsLine(std::string_view line);

private:
    std::optional<std::uintptr_t> loaderBase(pid_t pid) const;
    std::optional<std::filesystem::path> openablePath(pid_t pid, const MapsEntry& entry) const;

    std::filesystem::path procRoot_;
};

} // namespace mamori::dns
