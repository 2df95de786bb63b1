// seccomp user-notification probe: install the filter in a throwaway child, because a seccomp
// filter and NO_NEW_PRIVS can never be removed from the process that installs them.
#include "ProbeSupport.h"
#include "kernel/BpfError.h"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mamori::kernel::probe {

namespace {

#if defined(__x86_64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "add this architecture's AUDIT_ARCH_* value"
#endif

// Never called by the child. Should anything call it anyway after the listener is closed, the
// kernel answers ENOSYS instead of waiting for a supervisor.
constexpr std::uint32_t kNotifiedSyscall = __NR_swapoff;

using Filter = std::array<sock_filter, 7>;

Filter userNotifFilter() {
    return {{
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kNativeArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kNotifiedSyscall, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    }};
}

// Runs in a forked child of a possibly multi-threaded process: syscalls only, the exit status
// is the errno of the step that failed (0 for success).
[[noreturn]] void installInChild(sock_fprog* program) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        ::_exit(errno);
    }
    const long listener =
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, program);
    if (listener < 0) {
        ::_exit(errno);
    }
    ::close(static_cast<int>(listener));
    ::_exit(0);
}

int waitForExit(pid_t child) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            const int error = errno;
            throw BpfError("wait for seccomp probe child", error);
        }
    }
    return status;
}

} // namespace

FeatureResult probeSeccompUserNotif(const Environment& /*env*/) {
    auto filter = userNotifFilter();
    sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    const pid_t child = ::fork();
    if (child < 0) {
        const int error = errno;
        throw BpfError("fork seccomp probe child", error);
    }
    if (child == 0) {
        installInChild(&program);
    }
    const int status = waitForExit(child);
    if (WIFSIGNALED(status)) {
        return unavailable("seccomp probe child was killed by signal " +
                           std::to_string(WTERMSIG(status)));
    }
    if (const int error = WEXITSTATUS(status); error != 0) {
        return unavailable(std::string("installing a SECCOMP_RET_USER_NOTIF filter with "
                                       "SECCOMP_FILTER_FLAG_NEW_LISTENER failed: ") +
                           std::strerror(error));
    }
    return available("installed a SECCOMP_RET_USER_NOTIF filter and got a listener fd");
}

} // namespace mamori::kernel::probe
