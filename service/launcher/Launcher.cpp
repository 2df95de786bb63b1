#include "launcher/Launcher.h"

#include "common/KeyFile.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "launcher/Learner.h"
#include "launcher/SupervisorLink.h"
#include "sandbox/PhaseSwitchWire.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/ProfileWriter.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <system_error>
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

sock_fprog programOf(const std::vector<std::uint8_t>& bpf) {
    return {static_cast<unsigned short>(bpf.size() / sizeof(sock_filter)),
            reinterpret_cast<sock_filter*>(const_cast<std::uint8_t*>(bpf.data()))};
}

void setNoNewPrivs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw LaunchError(kExitLauncherError,
                          std::string("cannot set no_new_privs: ") + std::strerror(errno));
    }
}

// The last step after the filter is in place: only execve may run before it, since the
// filter may refuse anything else. Returns only when execve failed, with the launcher's exit
// status for that. Not [[noreturn]] on purpose: ASan runs its own syscalls (sigaltstack) before
// every call of a noreturn function, and the filter may refuse them.
int execUnderFilter(const std::string& path, std::vector<char*>& argv) {
    const std::string prefix = "mamori-run: cannot execute " + path + ": ";
    ::execve(path.c_str(), argv.data(), environ);
    const int error = errno;
    writeRaw(prefix.c_str());
    writeRaw(std::strerror(error));
    writeRaw("\n");
    return error == ENOENT ? kExitNotFound : kExitCannotExecute;
}

// Leaves through the raw exit_group: libc's exit runs sanitizer exit-time work (the leak
// checker ptraces) that the filter may refuse. Not [[noreturn]] either, for the same reason.
void exitUnderFilter(int status) {
    ::syscall(SYS_exit_group, status);
}

// Installs the filter and becomes the program. Everything it needs is prepared by the caller
// (libseccomp's own load frees memory afterwards, so the exported program is installed
// directly). A loaded seccomp-eBPF filter of the stateful rules goes in first: the classic
// filter may refuse seccomp(2) itself, while the eBPF one lets prctl through.
[[noreturn]] void installAndExec(const std::vector<std::uint8_t>& bpf, const UniqueFd& stateful,
                                 const std::string& path, std::vector<char*>& argv) {
    sock_fprog program = programOf(bpf);
    setNoNewPrivs();
    if (stateful) {
        if (const int rc = StatefulFilter::install(stateful.get()); rc < 0) {
            throw LaunchError(kExitLauncherError, std::string("cannot install the seccomp-eBPF "
                                                              "filter: ") +
                                                      std::strerror(-rc));
        }
    }
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        throw LaunchError(kExitLauncherError,
                          std::string("cannot install the filter: ") + std::strerror(errno));
    }
    exitUnderFilter(execUnderFilter(path, argv));
    __builtin_unreachable(); // exit_group does not return
}

// The supervised variant: the filter comes with a notifier listener, and the execve waits in
// the notifier until mamorid has the listener (SupervisorLink's thread hands it over).
[[noreturn]] void installSupervisedAndExec(const std::vector<std::uint8_t>& bpf,
                                           const std::string& path, std::vector<char*>& argv) {
    sock_fprog program = programOf(bpf);
    setNoNewPrivs();
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                  &program) < 0) {
        throw LaunchError(kExitLauncherError,
                          std::string("cannot install the filter: ") + std::strerror(errno));
    }
    exitUnderFilter(execUnderFilter(path, argv));
    __builtin_unreachable(); // exit_group does not return
}

// Where libmamori-phase.so is: MAMORI_PHASE_LIBRARY when set (development trees, tests), else
// next to mamori-run (build tree), else the installed one.
std::string findPhaseLibrary() {
    std::error_code ec;
    const auto missing = [](const std::string& where) {
        return LaunchError(kExitLauncherError,
                           "the profile has phases, which need " + where + "; it is not there");
    };
    if (const char* chosen = std::getenv("MAMORI_PHASE_LIBRARY"); chosen != nullptr) {
        if (!std::filesystem::exists(chosen, ec)) {
            throw missing(std::string(chosen) + " (MAMORI_PHASE_LIBRARY)");
        }
        return chosen;
    }
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto beside = self.parent_path() / "libmamori-phase.so";
        if (std::filesystem::exists(beside, ec)) {
            return beside;
        }
    }
    if (std::filesystem::exists(MAMORI_PHASE_LIBRARY, ec)) {
        return MAMORI_PHASE_LIBRARY;
    }
    throw missing(MAMORI_PHASE_LIBRARY);
}

void append(std::string& out, const void* data, size_t size) {
    out.append(static_cast<const char*>(data), size);
}

std::string encodePhases(const std::vector<PhaseFilter>& filters) {
    namespace wire = phasewire;
    std::string out;
    const wire::Header header{wire::kMagic, static_cast<std::uint32_t>(filters.size())};
    append(out, &header, sizeof header);
    for (const auto& filter : filters) {
        wire::PhaseRecord record{};
        std::strncpy(record.name, filter.name.c_str(), wire::kNameSize - 1);
        record.explicitTrigger = filter.explicitTrigger ? 1 : 0;
        record.syscall = filter.syscall;
        record.instructionCount =
            static_cast<std::uint32_t>(filter.bpf.size() / sizeof(sock_filter));
        append(out, &record, sizeof record);
        append(out, filter.bpf.data(), filter.bpf.size());
    }
    return out;
}

// Hands the phase filters to the preload library: a memfd the program inherits (not
// close-on-exec; the library closes it) and the two environment variables naming it.
UniqueFd preparePhases(const std::vector<PhaseFilter>& filters) {
    if (filters.empty()) {
        return {};
    }
    if (filters.size() > phasewire::kMaxPhases) {
        throw LaunchError(kExitLauncherError, "too many phases (at most " +
                                                  std::to_string(phasewire::kMaxPhases + 1) + ")");
    }
    const std::string library = findPhaseLibrary();
    UniqueFd memfd(::memfd_create("mamori-phases", 0));
    const std::string data = encodePhases(filters);
    if (!memfd || ::write(memfd.get(), data.data(), data.size()) != ssize_t(data.size())) {
        throw LaunchError(kExitLauncherError,
                          std::string("cannot pass the phase filters on: ") + std::strerror(errno));
    }
    const char* preload = std::getenv("LD_PRELOAD");
    const std::string value =
        library + (preload != nullptr && *preload != '\0' ? ":" + std::string(preload) : "");
    ::setenv("LD_PRELOAD", value.c_str(), 1);
    ::setenv(phasewire::kFdVariable, std::to_string(memfd.get()).c_str(), 1);
    return memfd;
}

Profile loadProfile(const std::string& nameOrPath) {
    try {
        return ProfileLoader(ProfileLoader::defaultLayerDirs()).load(nameOrPath);
    } catch (const KeyFileError& e) {
        throw LaunchError(kExitLauncherError, e.what());
    }
}

CompiledProfile compileProfile(const Profile& profile, CompileMode mode) {
    // A launch compiles up to twice; the kernel does not change in between, so probe it once
    // (the seccomp-eBPF probe loads a program).
    static const KernelSeccomp kernel = KernelSeccomp::probe();
    try {
        return FilterCompiler(kernel).compile(profile, mode);
    } catch (const KeyFileError& e) {
        throw LaunchError(kExitLauncherError, e.what());
    }
}

} // namespace

LaunchOptions parseArguments(const std::vector<std::string>& args) {
    LaunchOptions options;
    size_t i = 0;
    auto value = [&](const std::string& option) -> const std::string& {
        if (i + 1 >= args.size()) {
            usage(option + " needs a value");
        }
        return args[++i];
    };
    for (; i < args.size() && options.profile.empty(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--learn") {
            options.learn = true;
        } else if (arg == "--switch") {
            const std::string& spec = value(arg);
            const auto equals = spec.find('=');
            if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
                usage("--switch expects PHASE=SYSCALL, got '" + spec + "'");
            }
            options.switches.emplace_back(spec.substr(0, equals), spec.substr(equals + 1));
        } else if (arg == "--first-phase") {
            options.firstPhase = value(arg);
        } else if (arg == "--app-id") {
            options.appId = value(arg);
        } else if (arg == "--default-action") {
            options.defaultAction = value(arg);
        } else if (arg == "--stateless") {
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
    if (!options.learn &&
        (!options.switches.empty() || !options.appId.empty() || !options.defaultAction.empty())) {
        usage("--switch, --app-id and --default-action are for --learn");
    }
    if (options.learn && (options.explain || options.stateless)) {
        usage("--learn runs the program unsandboxed; it takes no --explain or --stateless");
    }
    return options;
}

std::string learnedProfilePath(const std::string& profile) {
    if (profile.find('/') != std::string::npos || profile.ends_with(".profile")) {
        return profile;
    }
    const char* config = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    const std::filesystem::path base =
        config != nullptr && *config == '/'
            ? std::filesystem::path(config)
            : std::filesystem::path(home != nullptr ? home : "/") / ".config";
    const auto dir = base / "mamori" / "profiles";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return dir / (profile + ".profile");
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

void Launcher::refuseOrWarn(const Plan& full) const {
    const std::string notified = notifiedSyscalls(full);
    if (!options_.stateless) {
        throw LaunchError(kExitNeedsSupervisor,
                          "profile " + full.profile + " needs the supervisor for: " + notified +
                              "; mamorid is not running (or not reachable on the system bus); "
                              "start it, or pass --stateless to run with those syscalls refused "
                              "by the profile's default action instead");
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

int Launcher::learnProfile() const {
    LearnOptions request;
    request.output = learnedProfilePath(options_.profile);
    if (!options_.switches.empty()) {
        request.phases.push_back(options_.firstPhase);
    }
    for (const auto& [phase, syscall] : options_.switches) {
        request.phases.push_back(phase);
        request.switches.push_back(syscall);
    }
    request.defaultAction = options_.defaultAction;
    request.appId = options_.appId;
    request.command = options_.command;
    return learn(request);
}

namespace {

// The seccomp-eBPF filter of the stateful rules, loaded (an empty fd when there is none).
UniqueFd loadStateful(const CompiledProfile& compiled) {
    if (!compiled.stateful) {
        return {};
    }
    try {
        return compiled.stateful->load();
    } catch (const std::system_error& e) {
        throw LaunchError(kExitLauncherError, e.what());
    }
}

} // namespace

int Launcher::run() {
    if (options_.learn) {
        return learnProfile();
    }
    const Profile profile = loadProfile(options_.profile);
    CompiledProfile full = compileProfile(profile, CompileMode::Full);
    if (options_.explain) {
        return explain(options_.stateless ? compile(profile).plan : full.plan);
    }
    const std::string path = resolveCommand(options_.command.front());
    if (path.empty()) {
        throw LaunchError(kExitNotFound, options_.command.front() + ": command not found");
    }
    warnIfOtherBinary(profile, path);
    // Supervised whenever mamorid runs: it also reports violations. Without it, a profile
    // that needs it is refused (or, with --stateless, enforced more strictly).
    std::unique_ptr<SupervisorLink> supervisor =
        options_.stateless ? nullptr : SupervisorLink::connect();
    if (!supervisor && full.plan.needsSupervisor()) {
        refuseOrWarn(full.plan);
    }
    const CompiledProfile compiled =
        supervisor ? compileProfile(profile, CompileMode::Supervised)
                   : (full.plan.needsSupervisor() ? compile(profile) : std::move(full));
    if (!supervisor && !allowsExec(compiled.plan)) {
        throw LaunchError(kExitLauncherError,
                          "profile " + profile.name +
                              " refuses execve, so the launcher cannot start the program under "
                              "it without the supervisor (which allows just the first exec); "
                              "mamorid is not running");
    }
    const UniqueFd phases = preparePhases(compiled.phaseFilters);
    std::vector<char*> argv = argvOf(options_.command);
    const std::vector<std::uint8_t> bpf = compiled.filter.exportBpf();
    if (!supervisor) {
        installAndExec(bpf, loadStateful(compiled), path, argv);
    }
    supervisor->registerWhenInstalled(options_.profile, writeProfile(profile), kExitLauncherError);
    installSupervisedAndExec(bpf, path, argv);
}

} // namespace mamori::launcher
