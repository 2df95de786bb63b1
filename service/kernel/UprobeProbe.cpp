// uprobe probe: attach to a function of this very process and call it once.
#include "ProbeSkeleton.h"
#include "ProbeSupport.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

// Must stay an out-of-line function with its own entry point for the uprobe to land on:
// noinline/noclone keep calls from being folded into the caller or redirected to a clone, and
// the volatile store keeps the body from being optimized away. (clang has no noclone and does
// not clone functions whose address escapes.)
#if defined(__clang__)
#define MAMORI_UPROBE_TARGET __attribute__((noinline, used))
#else
#define MAMORI_UPROBE_TARGET __attribute__((noinline, noclone, used))
#endif
extern "C" MAMORI_UPROBE_TARGET void mamori_feature_probe_uprobe_target(std::uint64_t cookie);

namespace {
volatile std::uint64_t uprobeTargetSink = 0;
} // namespace

extern "C" void mamori_feature_probe_uprobe_target(std::uint64_t cookie) {
    uprobeTargetSink = cookie;
}

namespace mamori::kernel::probe {

namespace {

struct UprobeTarget {
    std::string binary;
    std::size_t offset = 0;
};

struct Mapping {
    std::uintptr_t start = 0;
    std::uintptr_t end = 0;
    std::uintptr_t fileOffset = 0;
    ino_t inode = 0;
    std::string path;
};

// One /proc/self/maps line: start-end perms offset dev inode [path]
std::optional<Mapping> parseMapping(const std::string& line) {
    std::istringstream in(line);
    Mapping m;
    char dash = 0;
    std::string perms;
    std::string device;
    in >> std::hex >> m.start >> dash >> m.end >> perms >> m.fileOffset >> device >> std::dec >>
        m.inode;
    if (!in || dash != '-') {
        return std::nullopt;
    }
    std::getline(in >> std::ws, m.path);
    return m;
}

ino_t executableInode() {
    struct stat st {};
    return ::stat("/proc/self/exe", &st) == 0 ? st.st_ino : 0;
}

// uprobes are placed by file offset, so translate the function's run-time address through the
// mapping that contains it. /proc/self/exe is preferred over the mapped path because it still
// resolves after the binary was replaced on disk (a package upgrade under a running daemon).
std::optional<UprobeTarget> locate(std::uintptr_t address) {
    std::ifstream maps("/proc/self/maps");
    for (std::string line; std::getline(maps, line);) {
        const auto m = parseMapping(line);
        if (!m || address < m->start || address >= m->end || m->inode == 0) {
            continue;
        }
        const bool inExecutable = m->inode == executableInode();
        return UprobeTarget{inExecutable ? "/proc/self/exe" : m->path,
                            address - m->start + m->fileOffset};
    }
    return std::nullopt;
}

std::uint64_t randomCookie() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) | device();
}

} // namespace

FeatureResult probeUprobe(const Environment& /*env*/) {
    if (auto missing = missingPrivileges({Privilege::Bpf, Privilege::Perfmon}); !missing.empty()) {
        return unavailable(missing);
    }
    const auto address = reinterpret_cast<std::uintptr_t>(&mamori_feature_probe_uprobe_target);
    const auto target = locate(address);
    if (!target) {
        return unavailable("could not find the probe function's mapping in /proc/self/maps");
    }
    const std::uint64_t cookie = randomCookie();
    auto skel = openWithOnly("probe_uprobe");
    skel->rodata->uprobe_cookie = cookie;
    skel.load();
    const auto link =
        BpfLink::adopt(bpf_program__attach_uprobe(skel->progs.probe_uprobe, false, ::gettid(),
                                                  target->binary.c_str(), target->offset),
                       "attach uprobe");
    // Called through a volatile pointer so the call really happens, at that address.
    void (*volatile call)(std::uint64_t) = &mamori_feature_probe_uprobe_target;
    call(cookie);
    const auto hits = skel->bss->counters.uprobe_hits;
    if (hits != 1) {
        return unavailable("attached a uprobe but it counted " + std::to_string(hits) +
                           " hits for one call");
    }
    return available("attached a uprobe to " + target->binary + " and saw it fire once");
}

} // namespace mamori::kernel::probe
