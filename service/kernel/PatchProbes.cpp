// Probes for what only the patches in kernel-patches/ add. The numbers those patches give
// their program types are taken by other things on later mainline kernels
// (bpf/patched_kernel.h), so each probe first asks the kernel something only a patched kernel
// answers that way, then loads the smallest program of the type for real.
#include "ProbeSupport.h"
#include "common/UniqueFd.h"
#include "patched_kernel.h"

#include <array>
#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <linux/bpf.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace mamori::kernel::probe {

namespace {

// r0 = value; exit
int loadReturning(int type, int value, std::string& error) {
    const std::array<bpf_insn, 2> insns{{
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    }};
    const int fd = bpf_prog_load(static_cast<bpf_prog_type>(type), "mamori_probe", "GPL",
                                 insns.data(), insns.size(), nullptr);
    if (fd < 0) {
        error = std::strerror(errno);
    }
    return fd;
}

} // namespace

FeatureResult probeSeccompEbpf(const Environment& /*env*/) {
    // With a NULL filter the call fails on reading it where the flag is known (EFAULT), and on
    // the flag itself where it is not (EINVAL); it never installs anything.
    errno = 0;
    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, MAMORI_SECCOMP_FILTER_FLAG_EXTENDED, nullptr);
    if (errno != EFAULT) {
        return unavailable(std::string("kernel does not know SECCOMP_FILTER_FLAG_EXTENDED (") +
                           std::strerror(errno) +
                           "): needs the seccomp-eBPF patches from kernel-patches/");
    }
    if (auto missing = missingPrivileges({Privilege::Bpf}); !missing.empty()) {
        return unavailable("SECCOMP_FILTER_FLAG_EXTENDED is known, but loading a filter " +
                           missing);
    }
    std::string error;
    const UniqueFd fd(
        loadReturning(MAMORI_BPF_PROG_TYPE_SECCOMP, static_cast<int>(SECCOMP_RET_ALLOW), error));
    if (!fd) {
        return unavailable("SECCOMP_FILTER_FLAG_EXTENDED is known, but a BPF_PROG_TYPE_SECCOMP (" +
                           std::to_string(MAMORI_BPF_PROG_TYPE_SECCOMP) +
                           ") program does not load: " + error);
    }
    return available("SECCOMP_FILTER_FLAG_EXTENDED known; a BPF_PROG_TYPE_SECCOMP (" +
                     std::to_string(MAMORI_BPF_PROG_TYPE_SECCOMP) + ") program loads");
}

FeatureResult probeLbm(const Environment& /*env*/) {
    if (!std::filesystem::exists(MAMORI_LBM_SYSFS_DIR)) {
        return unavailable("kernel has no LBM hooks (" MAMORI_LBM_SYSFS_DIR
                           " is missing): needs the LBM patches from kernel-patches/");
    }
    if (auto missing = missingPrivileges({Privilege::Bpf}); !missing.empty()) {
        return unavailable("LBM hooks present, but loading a filter " + missing);
    }
    std::string error;
    const UniqueFd fd(loadReturning(MAMORI_BPF_PROG_TYPE_LBM, 0, error));
    if (!fd) {
        return unavailable("LBM hooks present, but a BPF_PROG_TYPE_LBM (" +
                           std::to_string(MAMORI_BPF_PROG_TYPE_LBM) +
                           ") program does not load: " + error);
    }
    return available("LBM hooks in " MAMORI_LBM_SYSFS_DIR "; a BPF_PROG_TYPE_LBM (" +
                     std::to_string(MAMORI_BPF_PROG_TYPE_LBM) + ") program loads");
}

} // namespace mamori::kernel::probe
