// mamori_syscall_probe NAME: makes the one syscall NAME and prints `NAME ok` or
// `NAME errno E` (E the errno number); the launcher tests run it under mamori-run to see what
// a profile lets through. Exit status 0 either way, so a SIGSYS death stands out.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace {

// KEYCTL_GET_KEYRING_ID on the thread keyring without creating it: harmless and unprivileged.
constexpr long kKeyctlGetKeyringId = 0;
constexpr long kKeySpecThreadKeyring = -1;

const std::map<std::string, std::function<long()>>& calls() {
    static const std::map<std::string, std::function<long()>> table{
        {"getppid", [] { return static_cast<long>(::getppid()); }},
        {"uname",
         [] {
             utsname name{};
             return static_cast<long>(::uname(&name));
         }},
        {"ptrace", [] { return ::syscall(SYS_ptrace, PTRACE_PEEKDATA, ::getppid(), 0, 0); }},
        {"keyctl",
         [] { return ::syscall(SYS_keyctl, kKeyctlGetKeyringId, kKeySpecThreadKeyring, 0); }},
        {"socket",
         [] {
             const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
             if (fd >= 0) {
                 ::close(fd);
             }
             return static_cast<long>(fd);
         }},
    };
    return table;
}

// Leaves through the raw syscall: libc's exit runs sanitizer exit-time work (the leak checker
// ptraces) that the profile under test may refuse.
void exitNow(int status) {
    ::syscall(SYS_exit_group, status);
}

} // namespace

int main(int argc, char** argv) {
    const auto call = argc == 2 ? calls().find(argv[1]) : calls().end();
    if (call == calls().end()) {
        std::fputs("usage: mamori_syscall_probe getppid|uname|ptrace|keyctl|socket\n", stderr);
        exitNow(2);
        return 2;
    }
    errno = 0;
    const long result = call->second();
    const int error = errno;
    if (result < 0) {
        std::printf("%s errno %d\n", argv[1], error);
    } else {
        std::printf("%s ok\n", argv[1]);
    }
    std::fflush(stdout);
    exitNow(0);
    return 0;
}
