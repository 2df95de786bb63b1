#include "launcher/Learner.h"

#include "common/AtomicFile.h"
#include "common/KeyFile.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "launcher/InvokingUser.h"
#include "launcher/Launcher.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/SyscallGroups.h"
#include "sandbox/learning/LearnedProfile.h"
#include "sandbox/learning/SyscallRecorder.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace mamori::launcher {
namespace {

using sandbox::learning::LearnedPhase;
using sandbox::learning::LearnedProfileOptions;
using sandbox::learning::SyscallRecorder;

constexpr const char* kDefaultAction = "errno:EPERM";

[[noreturn]] void usage(const std::string& message) {
    throw LaunchError(kExitLauncherError, "--learn: " + message);
}

[[noreturn]] void systemError(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Phase names and switches are checked here, before anything runs; the names again, with
// the app id and the action, by building an empty learned profile.
std::vector<int> switchNumbers(const LearnOptions& options) {
    if (options.phases.empty()) {
        if (!options.switches.empty()) {
            usage("phase switches need phase names");
        }
        return {};
    }
    if (options.phases.size() < 2 || options.phases.size() > SyscallRecorder::kMaxPhases) {
        usage("give no phases or 2 to " + std::to_string(SyscallRecorder::kMaxPhases) +
              " phase names, not " + std::to_string(options.phases.size()));
    }
    if (options.switches.size() + 1 != options.phases.size()) {
        usage("give one switch syscall per phase after the first (" +
              std::to_string(options.phases.size() - 1) + "), not " +
              std::to_string(options.switches.size()));
    }
    std::vector<int> numbers;
    for (const auto& name : options.switches) {
        const int number = sandbox::SyscallGroups::resolve(name);
        if (number < 0 || number >= SyscallRecorder::kMaxSyscalls) {
            usage("phase switch: unknown syscall '" + name + "'");
        }
        numbers.push_back(number);
    }
    return numbers;
}

std::vector<LearnedPhase> learnedPhases(const LearnOptions& options,
                                        std::vector<std::set<std::string>> recorded) {
    if (options.phases.empty()) {
        return {LearnedPhase{{}, {}, std::move(recorded.front())}};
    }
    std::vector<LearnedPhase> phases;
    for (std::size_t k = 0; k < options.phases.size(); ++k) {
        phases.push_back({options.phases[k], k == 0 ? std::string() : options.switches[k - 1],
                          std::move(recorded[k])});
    }
    return phases;
}

LearnedProfileOptions profileOptions(const LearnOptions& options, const std::string& binary) {
    LearnedProfileOptions result;
    result.appId = options.appId;
    result.binary = binary;
    result.defaultAction = options.defaultAction.empty() ? kDefaultAction : options.defaultAction;
    result.command = options.command;
    return result;
}

// Writes and loads the profile an empty run would give, so that what the profile rules refuse
// (a switch the launcher cannot see, a bad app id or action) is said before anything runs.
void checkProfileOptions(const LearnOptions& options, const std::string& binary) {
    const std::vector<std::set<std::string>> nothing(
        std::max<std::size_t>(1, options.phases.size()));
    try {
        sandbox::ProfileLoader({}).loadText(
            sandbox::learning::learnedProfileText(learnedPhases(options, nothing),
                                                  profileOptions(options, binary)),
            options.output);
    } catch (const std::invalid_argument& e) {
        usage(e.what());
    } catch (const KeyFileError& e) {
        usage(e.what());
    }
}

// Found out now rather than after the whole run.
void checkOutputWritable(const std::string& output) {
    const auto dir = std::filesystem::absolute(output).parent_path();
    if (::access(dir.c_str(), W_OK) != 0) {
        throw LaunchError(kExitLauncherError, "cannot write " + output + ": " + dir.string() +
                                                  ": " + std::strerror(errno));
    }
}

bool isExecutableFile(const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// COMMAND as execvp(3) finds it (the rule of Launcher's resolveCommand, which lives with the
// launcher's D-Bus side), made absolute: it becomes the profile's Binary and is what runs.
std::string absoluteCommand(const std::string& command) {
    std::filesystem::path found;
    if (command.find('/') != std::string::npos) {
        found = command;
    } else {
        const char* pathEnv = std::getenv("PATH");
        std::string_view dirs = pathEnv != nullptr ? pathEnv : "/usr/local/bin:/usr/bin:/bin";
        while (found.empty()) {
            const auto colon = dirs.find(':');
            const std::string_view dir = dirs.substr(0, colon);
            const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / command;
            if (isExecutableFile(candidate)) {
                found = candidate;
            }
            if (colon == std::string_view::npos) {
                break;
            }
            dirs.remove_prefix(colon + 1);
        }
    }
    std::error_code ec;
    if (found.empty() || !std::filesystem::exists(found, ec)) {
        throw LaunchError(kExitNotFound, command + ": command not found");
    }
    return std::filesystem::absolute(found).lexically_normal().string();
}

// While learning, SIGINT/SIGTERM (to pass on) and SIGCHLD (COMMAND ended) are taken with
// sigwaitinfo() instead of being delivered; SIGCHLD is set to its default, since an inherited
// SIG_IGN would reap COMMAND behind our back. Everything is restored on the way out, and the
// child restores it before exec so that COMMAND starts as it would have.
class SignalGuard {
public:
    SignalGuard() {
        sigemptyset(&waited_);
        for (const int sig : {SIGINT, SIGTERM, SIGCHLD}) {
            sigaddset(&waited_, sig);
        }
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        if (::sigaction(SIGCHLD, &dfl, &oldChild_) != 0 ||
            ::sigprocmask(SIG_BLOCK, &waited_, &oldMask_) != 0) {
            systemError("block signals for learning");
        }
    }
    ~SignalGuard() { restore(); }
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

    // Also what the child calls between fork and exec: only async-signal-safe calls.
    void restore() const noexcept {
        ::sigaction(SIGCHLD, &oldChild_, nullptr);
        ::sigprocmask(SIG_SETMASK, &oldMask_, nullptr);
    }
    const sigset_t& waited() const { return waited_; }

private:
    sigset_t waited_{};
    sigset_t oldMask_{};
    struct sigaction oldChild_ {};
};

// COMMAND, forked but held before exec until it is tracked; killed and reaped when the learner
// leaves early (an exception between fork and wait).
class Child {
public:
    Child(const std::string& path, const std::vector<std::string>& command,
          const SignalGuard& signals, const std::optional<InvokingUser>& runAs) {
        std::array<int, 2> goPipe{};
        std::array<int, 2> errorPipe{};
        if (::pipe2(goPipe.data(), O_CLOEXEC) != 0) {
            systemError("pipe");
        }
        UniqueFd goRead(goPipe[0]);
        goWrite_.reset(goPipe[1]);
        if (::pipe2(errorPipe.data(), O_CLOEXEC) != 0) {
            systemError("pipe");
        }
        errorRead_.reset(errorPipe[0]);
        UniqueFd errorWrite(errorPipe[1]);
        // Built before fork: the child only makes async-signal-safe calls.
        std::vector<char*> argv;
        argv.reserve(command.size() + 1);
        for (const auto& arg : command) {
            argv.push_back(const_cast<char*>(arg.c_str()));
        }
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0) {
            systemError("fork");
        }
        if (pid_ == 0) {
            // Without the parent's ends, the child sees EOF should the learner die first.
            ::close(goWrite_.get());
            ::close(errorRead_.get());
            execWhenTold(path.c_str(), argv.data(), goRead.get(), errorWrite.get(), signals,
                         runAs ? &*runAs : nullptr);
        }
    }
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }

    // Lets the child exec; throws LaunchError when the exec failed.
    void go(const std::string& path) {
        if (::write(goWrite_.get(), "g", 1) != 1) {
            systemError("start " + path);
        }
        goWrite_.reset();
        int error = 0;
        ssize_t n = 0;
        do {
            n = ::read(errorRead_.get(), &error, sizeof error);
        } while (n < 0 && errno == EINTR);
        if (n == static_cast<ssize_t>(sizeof error)) {
            ::waitpid(std::exchange(pid_, 0), nullptr, 0);
            throw LaunchError(error == ENOENT ? kExitNotFound : kExitCannotExecute,
                              "cannot execute " + path + ": " + std::strerror(error));
        }
    }

    // Waits for the child, passing on SIGINT/SIGTERM; returns its wait status.
    int wait(const SignalGuard& signals) {
        for (;;) {
            int status = 0;
            const pid_t done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                pid_ = 0;
                return status;
            }
            if (done < 0) {
                systemError("wait for the learned command");
            }
            siginfo_t info{};
            const int sig = ::sigwaitinfo(&signals.waited(), &info);
            // A terminal's ^C goes to the whole foreground process group, COMMAND included
            // (si_code SI_KERNEL): pass on only what was sent to the learner alone.
            if ((sig == SIGINT || sig == SIGTERM) && info.si_code != SI_KERNEL) {
                ::kill(pid_, sig);
            }
        }
    }

private:
    [[noreturn]] static void execWhenTold(const char* path, char* const* argv, int goRead,
                                          int errorWrite, const SignalGuard& signals,
                                          const InvokingUser* runAs) {
        signals.restore();
        char byte = 0;
        ssize_t n = 0;
        do {
            n = ::read(goRead, &byte, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1) {
            ::_exit(kExitLauncherError); // the learner went away before tracking us
        }
        if (runAs != nullptr && !runAs->become()) {
            const int error = errno;
            [[maybe_unused]] const auto written = ::write(errorWrite, &error, sizeof error);
            ::_exit(kExitCannotExecute);
        }
        ::execv(path, argv);
        const int error = errno;
        [[maybe_unused]] const auto written = ::write(errorWrite, &error, sizeof error);
        ::_exit(error == ENOENT ? kExitNotFound : kExitCannotExecute);
    }

    pid_t pid_ = 0;
    UniqueFd goWrite_;
    UniqueFd errorRead_;
};

int exitStatus(int waitStatus) {
    if (WIFSIGNALED(waitStatus)) {
        return 128 + WTERMSIG(waitStatus);
    }
    return WEXITSTATUS(waitStatus);
}

std::string howItEnded(int waitStatus) {
    if (WIFSIGNALED(waitStatus)) {
        const char* name = ::sigabbrev_np(WTERMSIG(waitStatus));
        return std::string("killed by SIG") + (name != nullptr ? name : "?");
    }
    return "exit status " + std::to_string(WEXITSTATUS(waitStatus));
}

void warnAboutGaps(const LearnOptions& options, const std::vector<LearnedPhase>& phases,
                   const sandbox::learning::RecorderStats& stats) {
    for (std::size_t k = 1; k < phases.size(); ++k) {
        if (phases[k].syscalls.empty()) {
            log::warning("phase " + phases[k].name + " was never entered: " +
                         options.command.front() + " never called " + phases[k].switchSyscall);
        }
    }
    if (stats.untrackedChildren != 0) {
        log::warning(std::to_string(stats.untrackedChildren) +
                     " processes were not recorded (too many at once): the profile may miss "
                     "syscalls");
    }
    if (stats.trackedProcesses != 0) {
        log::warning(std::to_string(stats.trackedProcesses) +
                     " processes of the tree still run (in the background?): what they do from "
                     "now on is not in the profile");
    }
}

void printSummary(const LearnOptions& options, const sandbox::Profile& profile,
                  const std::vector<LearnedPhase>& phases, int waitStatus) {
    std::string text = "mamori-run: learned from " + options.command.front() + " (" +
                       howItEnded(waitStatus) + "):\n";
    for (const auto& phase : phases) {
        text +=
            "  " + (phase.name.empty() ? std::string() : "phase " + phase.name + ": ") +
            std::to_string(phase.syscalls.size()) + " syscalls" +
            (phase.switchSyscall.empty() ? "" : " (from the first " + phase.switchSyscall + ")") +
            "\n";
    }
    if (profile.phases.size() > 1) {
        std::array<char, 16> reduction{};
        std::snprintf(reduction.data(), reduction.size(), "%.1f %%",
                      100.0 * sandbox::learning::attackSurfaceReduction(profile));
        text += "  attack surface reduction from " + profile.phases.front().name + " to " +
                profile.phases.back().name + ": " + reduction.data() + "\n";
    }
    text += "wrote " + options.output + " (DefaultAction=" + profile.defaultAction.text + ")";
    if (profile.defaultAction.kind != sandbox::ActionKind::Kill) {
        text += "; once the program works under it, set DefaultAction=kill";
    }
    text += "\n";
    std::fputs(text.c_str(), stderr);
}

} // namespace

int learn(const LearnOptions& options) {
    if (options.command.empty()) {
        usage("no COMMAND given");
    }
    if (options.output.empty()) {
        usage("no profile to write given");
    }
    const std::vector<int> switches = switchNumbers(options);
    const std::string binary = absoluteCommand(options.command.front());
    checkProfileOptions(options, binary);
    checkOutputWritable(options.output);
    const auto runAs = InvokingUser::fromEnvironment();

    SyscallRecorder recorder;
    recorder.setPhaseSwitches(switches);
    int waitStatus = 0;
    {
        const SignalGuard signals;
        Child child(binary, options.command, signals, runAs);
        recorder.track(child.pid(), SyscallRecorder::StartAt::NextExec);
        child.go(binary);
        waitStatus = child.wait(signals);
    }

    const auto phases = learnedPhases(options, recorder.recorded());
    const auto profileOpts = profileOptions(options, binary);
    const std::string text = sandbox::learning::learnedProfileText(phases, profileOpts);
    // What we write must load: check before it replaces anything.
    const sandbox::Profile profile = sandbox::ProfileLoader({}).loadText(text, options.output);
    writeFileAtomically(options.output, text);
    if (runAs && ::chown(options.output.c_str(), runAs->uid, runAs->gid) != 0) {
        log::warning("cannot give " + options.output + " to " + runAs->name + ": " +
                     std::strerror(errno));
    }
    warnAboutGaps(options, phases, recorder.stats());
    printSummary(options, profile, phases, waitStatus);
    return exitStatus(waitStatus);
}

} // namespace mamori::launcher
