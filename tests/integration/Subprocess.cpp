#include "Subprocess.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace mamori::test {
namespace {

void dropTo(uid_t uid) {
    const passwd* pw = getpwuid(uid);
    const gid_t gid = pw != nullptr ? pw->pw_gid : uid;
    if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
        _exit(126);
    }
}

std::vector<std::string> environmentWith(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (extra.count(name) == 0) {
            env.push_back(entry);
        }
    }
    for (const auto& [name, value] : extra) {
        env.push_back(name + "=" + value);
    }
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

pid_t spawn(const Subprocess::Options& options, int outFd, int errFd) {
    auto args = options.argv;
    auto env = environmentWith(options.env);
    auto argv = pointers(args);
    auto envp = pointers(env);
    const pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid > 0) {
        return pid;
    }
    setpgid(0, 0);
    if (outFd >= 0) {
        dup2(outFd, STDOUT_FILENO);
    }
    if (errFd >= 0) {
        dup2(errFd, STDERR_FILENO);
    }
    const int devNull = open("/dev/null", O_RDONLY);
    dup2(devNull, STDIN_FILENO);
    if (options.uid) {
        dropTo(*options.uid);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
}

void drain(int fd, std::string& into) {
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
        into.append(buf, static_cast<size_t>(n));
    }
}

} // namespace

Subprocess::Subprocess(const Options& options) {
    int errFd = -1;
    if (!options.stderrPath.empty()) {
        errFd = open(options.stderrPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    pid_ = spawn(options, -1, errFd);
    if (errFd >= 0) {
        close(errFd);
    }
}

Subprocess::~Subprocess() {
    if (!reaped_) {
        signal(SIGKILL);
        wait(5.0);
    }
}

bool Subprocess::running() {
    if (reaped_) {
        return false;
    }
    const pid_t r = waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
        reaped_ = true;
    }
    return !reaped_;
}

void Subprocess::signal(int signo) {
    if (!reaped_) {
        ::kill(pid_, signo);
    }
}

int Subprocess::wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status_, 0);
        reaped_ = true;
    }
    if (WIFEXITED(status_)) {
        return WEXITSTATUS(status_);
    }
    return -WTERMSIG(status_);
}

RunResult Subprocess::run(const Options& options, double timeoutSeconds) {
    int outPipe[2];
    int errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = spawn(options, outPipe[1], errPipe[1]);
    close(outPipe[1]);
    close(errPipe[1]);
    RunResult result;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    while (open > 0 && std::chrono::steady_clock::now() < deadline) {
        if (poll(fds, 2, 100) <= 0) {
            continue;
        }
        for (auto& fd : fds) {
            if (fd.fd >= 0 && (fd.revents & (POLLIN | POLLHUP))) {
                const size_t before = (&fd == &fds[0] ? result.out : result.err).size();
                drain(fd.fd, &fd == &fds[0] ? result.out : result.err);
                if ((&fd == &fds[0] ? result.out : result.err).size() == before) {
                    close(fd.fd);
                    fd.fd = -1;
                    --open;
                }
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0) {
            close(fd.fd);
        }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string runInChildAs(uid_t uid, const std::function<std::string()>& body) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dropTo(uid);
        std::string out;
        try {
            out = body();
        } catch (const std::exception& e) {
            out = std::string("exception: ") + e.what();
        }
        (void)!write(fds[1], out.data(), out.size());
        _exit(0);
    }
    close(fds[1]);
    std::string out;
    for (;;) {
        const size_t before = out.size();
        drain(fds[0], out);
        if (out.size() == before) {
            break;
        }
    }
    close(fds[0]);
    waitpid(pid, nullptr, 0);
    return out;
}

uid_t uidOf(const std::string& user) {
    const passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) {
        throw std::runtime_error("no user " + user);
    }
    return pw->pw_uid;
}

} // namespace mamori::test
