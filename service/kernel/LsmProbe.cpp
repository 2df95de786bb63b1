// BPF LSM probe. Loading and attaching is not enough here: on a kernel booted without "bpf" in
// lsm= the program attaches but never runs, so the active-LSM list is part of the answer.
#include "ProbeSkeleton.h"
#include "ProbeSupport.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"

#include <cerrno>
#include <cstring>
#include <linux/magic.h>
#include <sstream>
#include <sys/vfs.h>

namespace mamori::kernel::probe {

namespace {

constexpr const char* kLsmList = "/sys/kernel/security/lsm";

enum class Listed { Yes, No, Unknown };

struct LsmList {
    Listed bpf = Listed::Unknown;
    std::string description;
};

bool securityfsMounted() {
    struct statfs fs {};
    return ::statfs("/sys/kernel/security", &fs) == 0 &&
           static_cast<unsigned long>(fs.f_type) == SECURITYFS_MAGIC;
}

bool containsBpf(const std::string& commaSeparated) {
    std::istringstream in(commaSeparated);
    for (std::string name; std::getline(in, name, ',');) {
        if (name == "bpf") {
            return true;
        }
    }
    return false;
}

LsmList readLsmList() {
    auto text = readFile(kLsmList);
    if (!text) {
        const int error = errno;
        if (!securityfsMounted()) {
            return {Listed::Unknown, std::string("securityfs is not mounted, so ") + kLsmList +
                                         " cannot tell whether 'bpf' is an active LSM"};
        }
        return {Listed::Unknown,
                std::string("cannot read ") + kLsmList + ": " + std::strerror(error)};
    }
    while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) {
        text->pop_back();
    }
    if (containsBpf(*text)) {
        return {Listed::Yes, std::string("'bpf' is in ") + kLsmList};
    }
    return {Listed::No,
            std::string("'bpf' is not in ") + kLsmList + " (" + *text + "); boot with lsm=...,bpf"};
}

// EPERM as root usually means the kernel cannot build BPF trampolines (LSM and fentry/fexit
// programs both need them); loading an fentry program tells that apart from an LSM-only refusal.
std::string explainRefusal(int error) {
    if (error != EPERM) {
        return {};
    }
    try {
        auto fentry = openWithOnly("probe_fentry");
        fentry.load();
        return " (fentry programs load, so the refusal is specific to LSM programs)";
    } catch (const BpfError& e) {
        if (e.error() == EPERM) {
            return " (BPF trampolines unavailable: an fentry program is refused the same way)";
        }
        return {};
    }
}

} // namespace

FeatureResult probeBpfLsm(const Environment& /*env*/) {
    if (auto missing = missingPrivileges({Privilege::Bpf, Privilege::Perfmon}); !missing.empty()) {
        return unavailable(missing);
    }
    const LsmList lsm = readLsmList();
    auto skel = openWithOnly("probe_lsm");
    try {
        skel.load();
    } catch (const BpfError& e) {
        return unavailable(e.what() + explainRefusal(e.error()) + "; " + lsm.description);
    }
    BpfLink link;
    try {
        link =
            BpfLink::adopt(bpf_program__attach_lsm(skel->progs.probe_lsm), "attach lsm/file_open");
    } catch (const BpfError& e) {
        return unavailable(e.what() + std::string("; ") + lsm.description);
    }
    if (lsm.bpf == Listed::No) {
        return unavailable("lsm/file_open loads and attaches but would never run: " +
                           lsm.description);
    }
    return available("loaded and attached lsm/file_open; " + lsm.description);
}

} // namespace mamori::kernel::probe
