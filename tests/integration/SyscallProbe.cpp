// mamori_syscall_probe CALL...: makes each CALL in order and prints one line per call:
// `NAME ok` or `NAME errno E` (E the errno number). `NAME*N` makes the call N times and prints
// `NAME*N ok K errno E` (K calls succeeded; E the errno of the first failure, or 0). The
// launcher and supervisor tests run it under mamori-run to see what a profile lets through.
// Exit status 0 either way, so a death by signal stands out.
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <string>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace {

// KEYCTL_GET_KEYRING_ID on the thread keyring without creating it: harmless and unprivileged.
constexpr long kKeyctlGetKeyringId = 0;
constexpr long kKeySpecThreadKeyring = -1;
// CVE-2016-0728's loop: joining the same named session keyring again and again leaked a
// reference each time until the count overflowed.
constexpr long kKeyctlJoinSessionKeyring = 1;

long withClosedFd(int fd) {
    if (fd >= 0) {
        ::close(fd);
    }
    return fd;
}

long bindLoopback() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const long result = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    const int error = errno;
    ::close(fd);
    errno = error;
    return result;
}

// Through libc's epoll_wait, where the phase library watches for the switch.
long epollWait() {
    const int fd = ::epoll_create1(0);
    if (fd < 0) {
        return -1;
    }
    epoll_event event{};
    const long result = ::epoll_wait(fd, &event, 1, 0);
    const int error = errno;
    ::close(fd);
    errno = error;
    return result;
}

// A read that blocks in the kernel for ~300 ms while another thread ftruncates: shows whether
// a serialized pair can overlap. Prints `overlap yes|no`.
long readWhileTruncating() {
    std::array<int, 2> pipeFds{};
    if (::pipe(pipeFds.data()) != 0) {
        return -1;
    }
    const int file = ::open("/tmp", O_TMPFILE | O_RDWR, 0600);
    bool truncatedDuringRead = false;
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        truncatedDuringRead = ::ftruncate(file, 4096) == 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        [[maybe_unused]] const auto n = ::write(pipeFds[1], "x", 1);
    });
    char byte = 0;
    const long result = ::read(pipeFds[0], &byte, 1);
    writer.join();
    std::printf("overlap %s\n", truncatedDuringRead ? "yes" : "no");
    ::close(pipeFds[0]);
    ::close(pipeFds[1]);
    ::close(file);
    return result;
}

// Fails with EEXIST when the program holds a seccomp notifier: a sandboxed program must never
// get the listener of its own filter (it could answer its own notifications).
long holdsNoNotifier() {
    for (int fd = 0; fd < 1024; ++fd) {
        const std::string link = "/proc/self/fd/" + std::to_string(fd);
        std::array<char, 64> target{};
        const ssize_t length = ::readlink(link.c_str(), target.data(), target.size() - 1);
        if (length > 0 &&
            std::string(target.data(), size_t(length)) == "anon_inode:seccomp notify") {
            errno = EEXIST;
            return -1;
        }
    }
    return 0;
}

using Call = std::function<long(const std::string& argument)>;

const std::map<std::string, Call>& calls() {
    static const std::map<std::string, Call> table{
        {"getppid", [](const std::string&) { return static_cast<long>(::getppid()); }},
        {"uname",
         [](const std::string&) {
             utsname name{};
             return static_cast<long>(::uname(&name));
         }},
        {"ptrace",
         [](const std::string&) {
             return ::syscall(SYS_ptrace, PTRACE_PEEKDATA, ::getppid(), 0, 0);
         }},
        {"keyctl",
         [](const std::string&) {
             return ::syscall(SYS_keyctl, kKeyctlGetKeyringId, kKeySpecThreadKeyring, 0);
         }},
        {"keyctl_join",
         [](const std::string&) {
             return ::syscall(SYS_keyctl, kKeyctlJoinSessionKeyring, "mamori-test-keyring");
         }},
        {"socket",
         [](const std::string&) { return withClosedFd(::socket(AF_UNIX, SOCK_STREAM, 0)); }},
        {"bind", [](const std::string&) { return bindLoopback(); }},
        {"epoll_wait", [](const std::string&) { return epollWait(); }},
        // The legacy open syscall, not openat: a rule on it leaves the dynamic loader alone.
        {"open",
         [](const std::string& path) {
             return withClosedFd(
                 static_cast<int>(::syscall(SYS_open, path.c_str(), O_RDONLY | O_CLOEXEC)));
         }},
        {"sleep",
         [](const std::string& ms) {
             std::this_thread::sleep_for(std::chrono::milliseconds(std::stol(ms)));
             return 0L;
         }},
        {"exec",
         [](const std::string& path) {
             std::array<char*, 2> argv{const_cast<char*>(path.c_str()), nullptr};
             return static_cast<long>(::execve(path.c_str(), argv.data(), nullptr));
         }},
        {"read_while_truncating", [](const std::string&) { return readWhileTruncating(); }},
        {"no_notifier", [](const std::string&) { return holdsNoNotifier(); }},
    };
    return table;
}

// Leaves through the raw syscall: libc's exit runs sanitizer exit-time work (the leak checker
// ptraces) that the profile under test may refuse.
void exitNow(int status) {
    ::syscall(SYS_exit_group, status);
}

struct Request {
    std::string name;     // NAME or NAME=ARGUMENT as written
    std::string call;     // the table key
    std::string argument; // after '='
    long times = 1;
    bool repeated = false;
};

bool parse(const std::string& text, Request& request) {
    request.name = text;
    std::string head = text;
    if (const auto star = head.find('*'); star != std::string::npos) {
        request.times = std::strtol(head.c_str() + star + 1, nullptr, 10);
        request.repeated = true;
        head.resize(star);
    }
    if (const auto equals = head.find('='); equals != std::string::npos) {
        request.argument = head.substr(equals + 1);
        head.resize(equals);
    }
    request.call = head;
    return calls().contains(head) && request.times > 0;
}

void perform(const Request& request) {
    const Call& call = calls().at(request.call);
    long succeeded = 0;
    int firstError = 0;
    for (long i = 0; i < request.times; ++i) {
        errno = 0;
        if (call(request.argument) >= 0) {
            ++succeeded;
        } else if (firstError == 0) {
            firstError = errno;
        }
    }
    if (request.repeated) {
        std::printf("%s ok %ld errno %d\n", request.name.c_str(), succeeded, firstError);
    } else if (succeeded == 1) {
        std::printf("%s ok\n", request.name.c_str());
    } else {
        std::printf("%s errno %d\n", request.name.c_str(), firstError);
    }
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    std::vector<Request> requests(static_cast<size_t>(argc > 1 ? argc - 1 : 0));
    for (int i = 1; i < argc; ++i) {
        if (!parse(argv[i], requests[static_cast<size_t>(i - 1)])) {
            std::fprintf(
                stderr,
                "usage: mamori_syscall_probe CALL[=ARG][*N]...; calls: "
                "getppid uname ptrace keyctl keyctl_join socket bind "
                "epoll_wait open=PATH sleep=MS exec=PATH read_while_truncating no_notifier\n");
            exitNow(2);
        }
    }
    if (requests.empty()) {
        std::fputs("usage: mamori_syscall_probe CALL[=ARG][*N]...\n", stderr);
        exitNow(2);
    }
    for (const auto& request : requests) {
        perform(request);
    }
    exitNow(0);
    return 0;
}
