// Real enforcement without root: a forked child sets NO_NEW_PRIVS, installs the compiled filter
// and makes one chosen syscall; its exit status says whether the call ran, failed with which
// errno, or was killed by SIGSYS.
#include "SandboxTestHelpers.h"
#include "sandbox/FilterCompiler.h"

#include <cerrno>
#include <csignal>
#include <functional>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mamori::sandbox {
namespace {

using test::fromText;

struct Outcome {
    bool killedBySigsys = false;
    int error = -1; // 0: the call succeeded; otherwise its errno

    bool operator==(const Outcome&) const = default;
};

constexpr Outcome kRan{false, 0};
constexpr Outcome kKilled{true, -1};
constexpr Outcome failedWith(int error) {
    return {false, error};
}

std::ostream& operator<<(std::ostream& out, const Outcome& o) {
    return out << (o.killedBySigsys ? "killed by SIGSYS" : "errno " + std::to_string(o.error));
}

// Leaves through the raw syscall: libc's _exit is intercepted by sanitizers, whose exit-time
// work (the leak checker stops the world with clone and ptrace) the filter would refuse. Not
// [[noreturn]]: ASan puts a sigaltstack call before every call of a noreturn function.
void exitNow(int status) {
    syscall(SYS_exit_group, status);
}

// The exported program is installed with prctl directly, so that nothing runs between the
// install and the call under test (libseccomp frees memory after seccomp_load).
[[noreturn]] void runChild(const std::vector<std::uint8_t>& bpf,
                           const std::function<long()>& call) {
    sock_fprog program{static_cast<unsigned short>(bpf.size() / sizeof(sock_filter)),
                       reinterpret_cast<sock_filter*>(const_cast<std::uint8_t*>(bpf.data()))};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        exitNow(255);
        __builtin_unreachable();
    }
    const long result = call();
    exitNow(result < 0 ? errno : 0);
    __builtin_unreachable();
}

Outcome sandboxed(const CompiledProfile& compiled, const std::function<long()>& call) {
    const auto bpf = compiled.filter.exportBpf();
    const pid_t pid = fork();
    if (pid == 0) {
        runChild(bpf, call);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        return {WTERMSIG(status) == SIGSYS, -1};
    }
    return {false, WEXITSTATUS(status)};
}

CompiledProfile compile(const std::string& text, CompileMode mode = CompileMode::Full) {
    return FilterCompiler(KernelSeccomp::stock()).compile(fromText(text), mode);
}

long getppidCall() {
    return syscall(SYS_getppid);
}
long ptraceCall() {
    return syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}
long keyctlCall() {
    return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0, 0, 0);
}
long socketCall(int family, int type) {
    const long fd = syscall(SYS_socket, family, type, 0);
    return fd < 0 ? fd : 0;
}
// The grandchild (result 0) leaves at once; the parent's result is the pid.
long cloneCall(unsigned long flags) {
    const long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        syscall(SYS_exit_group, 0);
    }
    return pid < 0 ? pid : 0;
}

// EROFS never comes from these calls themselves, so seeing it proves the filter answered.
const char* const kErrnoProfile =
    "[Syscalls]\nAllow=getppid;exit_group;socket;clone\n"
    "Deny=ptrace\nDefaultAction=errno:EROFS\nDenyAction=errno:EACCES\n"
    "[Arguments]\nsocket=family in {AF_UNIX,AF_INET,AF_INET6}\n"
    "clone=flags & CLONE_NEWUSER == 0\n";

TEST(Enforcement, ErrnoProfileRefusesExactlyTheDeniedCalls) {
    const auto compiled = compile(kErrnoProfile);
    EXPECT_EQ(sandboxed(compiled, getppidCall), kRan);
    EXPECT_EQ(sandboxed(compiled, ptraceCall), failedWith(EACCES));
    EXPECT_EQ(sandboxed(compiled, keyctlCall), failedWith(EROFS));
}

TEST(Enforcement, ArgumentRulesCompareRegisters) {
    const auto compiled = compile(kErrnoProfile);
    EXPECT_EQ(sandboxed(compiled, [] { return socketCall(AF_INET, SOCK_DGRAM); }), kRan);
    EXPECT_EQ(sandboxed(compiled, [] { return socketCall(AF_UNIX, SOCK_STREAM); }), kRan);
    EXPECT_EQ(sandboxed(compiled, [] { return socketCall(AF_PACKET, SOCK_RAW); }),
              failedWith(EROFS));
    EXPECT_EQ(sandboxed(compiled, [] { return socketCall(AF_NETLINK, SOCK_RAW); }),
              failedWith(EROFS));
    EXPECT_EQ(sandboxed(compiled, [] { return cloneCall(0); }), kRan);
    EXPECT_EQ(sandboxed(compiled, [] { return cloneCall(CLONE_NEWUSER); }), failedWith(EROFS));
}

TEST(Enforcement, KillProfileKillsWithSigsys) {
    const auto compiled = compile("[Syscalls]\nAllow=getppid;exit_group\nDeny=ptrace\n");
    EXPECT_EQ(sandboxed(compiled, getppidCall), kRan);
    EXPECT_EQ(sandboxed(compiled, ptraceCall), kKilled);
    EXPECT_EQ(sandboxed(compiled, keyctlCall), kKilled);
}

TEST(Enforcement, StatelessSubsetDeniesWhatNeedsTheSupervisor) {
    const auto compiled = compile("[Syscalls]\nAllow=getppid;exit_group;keyctl\n"
                                  "DefaultAction=errno:EROFS\n[Limits]\nkeyctl=16\n",
                                  CompileMode::StatelessSubset);
    EXPECT_EQ(sandboxed(compiled, getppidCall), kRan);
    EXPECT_EQ(sandboxed(compiled, keyctlCall), failedWith(EROFS));
}

TEST(Enforcement, SeccompFilterLoadsThroughLibseccomp) {
    // The harness allowances let libseccomp and the allocator tidy up after seccomp_load.
    const auto compiled = compile("[Syscalls]\nAllow=getppid;exit_group;brk;mmap;munmap;madvise;"
                                  "futex\nDefaultAction=errno:EROFS\n");
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        compiled.filter.load();
        const bool ok =
            syscall(SYS_getppid) > 0 && syscall(SYS_keyctl, 0, -3, 0, 0, 0) < 0 && errno == EROFS;
        exitNow(ok ? 0 : 1);
        __builtin_unreachable();
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

} // namespace
} // namespace mamori::sandbox
