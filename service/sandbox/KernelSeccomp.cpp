#include "sandbox/KernelSeccomp.h"

#include "common/UniqueFd.h"
#include "ebpf/BpfInstruction.h"
#include "patched_kernel.h"

#include <array>
#include <bpf/bpf.h>
#include <cerrno>
#include <cstdio>
#include <linux/seccomp.h>
#include <string_view>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace mamori::sandbox {
namespace {

bool actionAvailable(unsigned action) {
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

bool atLeast(const std::string& release, int major, int minor) {
    int haveMajor = 0;
    int haveMinor = 0;
    if (std::sscanf(release.c_str(), "%d.%d", &haveMajor, &haveMinor) != 2) {
        return false;
    }
    return haveMajor > major || (haveMajor == major && haveMinor >= minor);
}

// The flag is known where a NULL filter fails on reading it (EFAULT), not on the flag (EINVAL);
// then a filter of the patched program type must load here.
bool seccompEbpfUsable() {
    errno = 0;
    ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, MAMORI_SECCOMP_FILTER_FLAG_EXTENDED, nullptr);
    if (errno != EFAULT) {
        return false;
    }
    using namespace ebpf::insn;
    const std::array<bpf_insn, 2> insns{mov64Imm(R0, static_cast<int32_t>(SECCOMP_RET_ALLOW)),
                                        exit()};
    const UniqueFd program(bpf_prog_load(static_cast<bpf_prog_type>(MAMORI_BPF_PROG_TYPE_SECCOMP),
                                         "mamori_probe", "GPL", insns.data(), insns.size(),
                                         nullptr));
    return program.valid();
}

} // namespace

KernelSeccomp KernelSeccomp::probe() {
    KernelSeccomp kernel;
    utsname name{};
    if (uname(&name) == 0) {
        kernel.release = name.release;
    }
    // The cache has no probe of its own; it arrived in 5.11 together with nothing user space
    // can ask for, so the release is the only evidence.
    kernel.constantActionCache = atLeast(kernel.release, 5, 11);
    kernel.userNotif = actionAvailable(SECCOMP_RET_USER_NOTIF);
    kernel.seccompEbpf = seccompEbpfUsable();
    return kernel;
}

KernelSeccomp KernelSeccomp::stock() {
    return {"stock", true, true, false};
}

bool KernelSeccomp::isNotifierFd(int fd) {
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    std::array<char, 64> target{};
    const ssize_t length = ::readlink(link.c_str(), target.data(), target.size() - 1);
    return length > 0 &&
           std::string_view(target.data(), size_t(length)) == "anon_inode:seccomp notify";
}

} // namespace mamori::sandbox
