#include "Subprocess.h"

#include "common/UniqueFd.h"

#include <algorithm>
#include <array>
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

std::vector<std::string> environmentWith(const std::map<std::string, std::string>& extra,
                                         const std::vector<std::string>& unset) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        const bool removed = std::find(unset.begin(), unset.end(), name) != unset.end();
        if (extra.count(name) == 0 && !removed) {
            env.push_back(entry);
        }
    }
    for (const auto& [name, value] : extra) {
        env.push_back(name);
        env.back().append("=").append(value);
    }
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

pid_t spawn(const Subprocess::Options& options, int outFd, int errFd) {
    auto args = options.argv;
    auto env = environmentWith(options.env, options.unsetEnv);
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
    std::array<char, 4096> buf{};
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n > 0) {
        into.append(buf.data(), static_cast<size_t>(n));
    }
}

// Reads both pipes until each reaches end of file or the deadline passes.
void collect(std::array<UniqueFd, 2>& readEnds, RunResult& result,
             std::chrono::steady_clock::time_point deadline) {
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    std::array<pollfd, 2> fds{{{readEnds[0].get(), POLLIN, 0}, {readEnds[1].get(), POLLIN, 0}}};
    while ((fds[0].fd >= 0 || fds[1].fd >= 0) && std::chrono::steady_clock::now() < deadline) {
        if (poll(fds.data(), fds.size(), 100) <= 0) {
            continue;
        }
        for (size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) {
                continue;
            }
            const size_t before = sinks[i]->size();
            drain(fds[i].fd, *sinks[i]);
            if (sinks[i]->size() == before) {
                fds[i].fd = -1; // end of file
            }
        }
    }
}

std::array<UniqueFd, 2> makePipe() {
    std::array<int, 2> fds{};
    if (pipe2(fds.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
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
    auto out = makePipe();
    auto err = makePipe();
    const pid_t pid = spawn(options, out[1].get(), err[1].get());
    out[1].reset();
    err[1].reset();
    std::array<UniqueFd, 2> readEnds{std::move(out[0]), std::move(err[0])};
    RunResult result;
    collect(readEnds, result,
            std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(timeoutSeconds)));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

uid_t uidOf(const std::string& user) {
    const passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) {
        throw std::runtime_error("no user " + user);
    }
    return pw->pw_uid;
}

} // namespace mamori::test
