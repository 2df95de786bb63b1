#include "launcher/Launcher.h"

#include "common/KeyFile.h"
#include "common/Log.h"
#include "sandbox/ProfileLoader.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

namespace mamori::launcher {
namespace {

using namespace mamori::sandbox;

[[noreturn]] void usage(const std::string& problem) {
    throw LaunchError(kExitLauncherError, problem + " (see mamori-run --help)");
}

bool isExecutableFile(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

// The syscalls the supervisor would decide, with the compiler's reason for each.
std::string notifiedSyscalls(const Plan& plan) {
    std::string list;
    for (const auto& row : plan.syscalls) {
        if (row.treatment == Treatment::Notify) {
            list += (list.empty() ? "" : ", ") + row.name + " (" + row.reason + ")";
        }
    }
    return list;
}

// Whether the filter lets the launcher's own execve through. A profile that refuses execve
// (curl's does, so that the program cannot start others) cannot be started by exec-ing under
// it; allowing just the first execve needs state, which is the supervisor's job.
bool allowsExec(const Plan& plan) {
    const SyscallPlan* row = plan.find("execve");
    return row != nullptr &&
           (row->treatment == Treatment::Allow || row->treatment == Treatment::ArgumentCheck);
}

std::vector<char*> argvOf(std::vector<std::string>& command) {
    std::vector<char*> argv;
    argv.reserve(command.size() + 1);
    for (auto& arg : command) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    return argv;
}

void writeRaw(const char* text) {
    // Best effort: the profile may refuse the write; the exit status still says what happened.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text, std::strlen(text));
}

// Installs the filter and becomes the program; returns nothing. Everything it needs is
// prepared by the caller, so that between the install and the execve nothing runs that the
// profile might refuse (libseccomp's own load frees memory afterwards, so the exported program
// is installed with prctl directly). The failure path leaves through the raw exit_group:
// libc's exit runs sanitizer exit-time work (the leak checker ptraces) that the filter may
// refuse.
[[noreturn]] void installAndExec(const std::vector<std::uint8_t>& bpf, const std::string& path,
                                 std::vector<char*>& argv) {
    sock_fprog program{static_cast<unsigned short>(bpf.size() / sizeof(sock_filter)),
                       reinterpret_cast<sock_filter*>(const_cast<std::uint8_t*>(bpf.data()))};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw LaunchError(kExitLauncherError,
                          std::string("cannot set no_new_privs: ") + std::strerror(errno));
    }
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        throw LaunchError(kExitLauncherError,
                          std::string("cannot install the filter: ") + std::strerror(errno));
    }
    const std::string prefix = "mamori-run: cannot execute " + path + ": ";
    ::execve(path.c_str(), argv.data(), environ);
    const int error = errno;
    writeRaw(prefix.c_str());
    writeRaw(std::strerror(error));
    writeRaw("\n");
    ::syscall(SYS_exit_group, error == ENOENT ? kExitNotFound : kExitCannotExecute);
    std::abort(); // exit_group does not return
}

Profile loadProfile(const std::string& nameOrPath) {
    try {
        return ProfileLoader(ProfileLoader::defaultLayerDirs()).load(nameOrPath);
    } catch (const KeyFileError& e) {
        throw LaunchError(kExitLauncherError, e.what());
    }
}

CompiledProfile compileProfile(const Profile& profile, CompileMode mode) {
    try {
        return FilterCompiler(KernelSeccomp::probe()).compile(profile, mode);
    } catch (const KeyFileError& e) {
        throw LaunchError(kExitLauncherError, e.what());
    }
}

} // namespace

LaunchOptions parseArguments(const std::vector<std::string>& args) {
    LaunchOptions options;
    size_t i = 0;
    for (; i < args.size() && options.profile.empty(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--stateless") {
            options.stateless = true;
        } else if (arg == "--explain") {
            options.explain = true;
        } else if (arg == "--quiet" || arg == "-q") {
            options.quiet = true;
        } else if (arg == "--help" || arg == "-h") {
            options.help = true;
            return options;
        } else if (arg == "--version") {
            options.version = true;
            return options;
        } else if (arg.starts_with("-")) {
            usage("unknown option '" + arg + "'");
        } else {
            options.profile = arg;
        }
    }
    if (options.profile.empty()) {
        usage("no profile given");
    }
    if (i < args.size() && args[i] == "--") {
        options.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
    } else if (i < args.size()) {
        usage("expected '--' after the profile, got '" + args[i] + "'");
    }
    if (options.command.empty() && !options.explain) {
        usage("no command given after '--'");
    }
    return options;
}

std::string resolveCommand(const std::string& command) {
    if (command.find('/') != std::string::npos) {
        return std::filesystem::exists(command) ? command : std::string();
    }
    const char* pathEnv = std::getenv("PATH");
    std::istringstream path(pathEnv != nullptr ? pathEnv : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(path, dir, ':')) {
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + command;
        if (isExecutableFile(candidate)) {
            return candidate;
        }
    }
    return {};
}

Launcher::Launcher(LaunchOptions options)
    : options_(std::move(options)) {}

CompiledProfile Launcher::compile(const Profile& profile) const {
    return compileProfile(profile,
                          options_.stateless ? CompileMode::StatelessSubset : CompileMode::Full);
}

void Launcher::superviseOrRefuse(const Plan& full) const {
    const std::string notified = notifiedSyscalls(full);
    if (!options_.stateless) {
        // The hand-off goes here: compile Full with a notifier listener, send the listener fd
        // and the profile name to mamorid, and exec once it has registered the sandbox.
        throw LaunchError(
            kExitNeedsSupervisor,
            "profile " + full.profile + " needs the supervisor for: " + notified +
                "; the supervisor (mamorid) hand-off is not available yet; pass --stateless to "
                "run with those syscalls refused by the profile's default action instead");
    }
    if (!options_.quiet) {
        log::warning("--stateless: enforced more strictly than written (refused by the "
                     "default action " +
                     full.defaultAction + "): " + notified);
    }
}

void Launcher::warnIfOtherBinary(const Profile& profile, const std::string& resolved) const {
    std::error_code ec;
    if (profile.binary.empty() || options_.quiet ||
        std::filesystem::equivalent(profile.binary, resolved, ec)) {
        return;
    }
    log::warning("profile " + profile.name + " is written for " + profile.binary +
                 ", but the command is " + resolved);
}

int Launcher::explain(const Plan& plan) const {
    std::printf("profile %s: default action %s%s\n", plan.profile.c_str(),
                plan.defaultAction.c_str(), plan.statelessSubset ? ", stateless subset" : "");
    for (const auto& row : plan.syscalls) {
        std::printf("  %s: %s — %s; %s\n", row.name.c_str(), row.action.c_str(), row.reason.c_str(),
                    row.guaranteeText.c_str());
    }
    std::printf("needs the supervisor: %s\n", plan.needsSupervisor() ? "yes" : "no");
    return 0;
}

int Launcher::run() {
    const Profile profile = loadProfile(options_.profile);
    CompiledProfile full = compileProfile(profile, CompileMode::Full);
    if (options_.explain) {
        return explain(options_.stateless ? compile(profile).plan : full.plan);
    }
    if (full.plan.needsSupervisor()) {
        superviseOrRefuse(full.plan);
    }
    const std::string path = resolveCommand(options_.command.front());
    if (path.empty()) {
        throw LaunchError(kExitNotFound, options_.command.front() + ": command not found");
    }
    warnIfOtherBinary(profile, path);
    const CompiledProfile compiled =
        full.plan.needsSupervisor() ? compile(profile) : std::move(full);
    if (!allowsExec(compiled.plan)) {
        throw LaunchError(kExitLauncherError,
                          "profile " + profile.name +
                              " refuses execve, so the launcher cannot start the program under "
                              "it without the supervisor (which can allow just the first exec)");
    }
    std::vector<char*> argv = argvOf(options_.command);
    installAndExec(compiled.filter.exportBpf(), path, argv);
}

} // namespace mamori::launcher
