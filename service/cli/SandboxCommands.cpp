// `mamorictl sandbox ...`: the sandbox profile tools and mamorid's supervised sandboxes.
// check, explain and show work locally, without mamorid and without privileges: profiles are
// read from the layer directories (or a path), merged, validated and compiled; nothing is loaded
// into the kernel. list, profiles, install, remove and watch talk to mamorid.
#include "cli/Commands.h"
#include "cli/JsonWriter.h"
#include "cli/PolkitTtyAgent.h"
#include "client/SandboxClient.h"
#include "common/KeyFile.h"
#include "common/Names.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/ProfileWriter.h"
#include "sandbox/SyscallGroups.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <pthread.h>
#include <sstream>

namespace mamori::cli {
namespace {

using namespace mamori::sandbox;

constexpr const char* kSandboxUsage =
    "sandbox check PROFILE | sandbox explain PROFILE [--syscall NAME] [--stateless] "
    "[--bpf OUT] | sandbox show PROFILE | sandbox list | sandbox profiles | "
    "sandbox install NAME FILE | sandbox remove NAME | sandbox watch";

[[noreturn]] void usage(const std::string& problem) {
    throw CliError(kExitUsage, problem + "; usage: mamorictl " + kSandboxUsage);
}

struct SandboxOptions {
    std::string profile;
    std::string syscall;
    std::string bpfOutput;
    bool stateless = false;
};

std::string takeValue(const Arguments& args, size_t& i) {
    if (i + 1 >= args.size()) {
        usage("'" + args[i] + "' needs a value");
    }
    return args[++i];
}

SandboxOptions parseOptions(const Arguments& args) {
    SandboxOptions options;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--syscall") {
            options.syscall = takeValue(args, i);
        } else if (arg == "--bpf") {
            options.bpfOutput = takeValue(args, i);
        } else if (arg == "--stateless") {
            options.stateless = true;
        } else if (arg.starts_with("-") || !options.profile.empty()) {
            usage("unexpected argument '" + arg + "'");
        } else {
            options.profile = arg;
        }
    }
    if (options.profile.empty()) {
        usage("no profile given");
    }
    return options;
}

Profile loadProfile(const std::string& nameOrPath) {
    try {
        return ProfileLoader(ProfileLoader::defaultLayerDirs()).load(nameOrPath);
    } catch (const KeyFileError& e) {
        throw CliError(kExitFailure, e.what());
    }
}

CompiledProfile compileProfile(const Profile& profile, bool stateless) {
    try {
        return FilterCompiler(KernelSeccomp::probe())
            .compile(profile, stateless ? CompileMode::StatelessSubset : CompileMode::Full);
    } catch (const KeyFileError& e) {
        throw CliError(kExitFailure, e.what());
    }
}

int sandboxCheck(const Options& options, const SandboxOptions& sandbox) {
    const Profile profile = loadProfile(sandbox.profile);
    const CompiledProfile compiled = compileProfile(profile, false);
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("profile").value(profile.name).key("valid").value(true);
        json.key("sources").beginArray();
        for (const auto& source : profile.sources) {
            json.value(source);
        }
        json.endArray().key("needs_supervisor").value(compiled.plan.needsSupervisor());
        std::puts(json.endObject().str().c_str());
        return kExitOk;
    }
    std::printf("%s: ok (%zu syscalls named, %s)\n", profile.name.c_str(),
                compiled.plan.syscalls.size(),
                compiled.plan.needsSupervisor() ? "needs the supervisor" : "stateless");
    return kExitOk;
}

void writeJson(const Plan& plan, const std::vector<const SyscallPlan*>& rows,
               const KernelSeccomp& kernel) {
    JsonWriter json;
    json.beginObject().key("profile").value(plan.profile);
    json.key("default_action").value(plan.defaultAction);
    json.key("stateless_subset").value(plan.statelessSubset);
    json.key("kernel").value(kernel.release);
    json.key("syscalls").beginArray();
    for (const SyscallPlan* row : rows) {
        json.beginObject().key("name").value(row->name);
        json.key("number").value(static_cast<unsigned long>(std::max(row->number, 0)));
        json.key("action").value(row->action).key("reason").value(row->reason);
        json.key("rule").value(row->rule).key("guarantee").value(row->guaranteeText);
        json.endObject();
    }
    json.endArray();
    std::puts(json.endObject().str().c_str());
}

void writeTable(const Plan& plan, const std::vector<const SyscallPlan*>& rows,
                const SyscallPlan& other, const KernelSeccomp& kernel) {
    std::printf("profile %s, default action %s, kernel %s%s\n", plan.profile.c_str(),
                plan.defaultAction.c_str(), kernel.release.c_str(),
                plan.statelessSubset ? " (stateless subset)" : "");
    std::printf("%-22s %-16s %-40s %s\n", "SYSCALL", "ACTION", "REASON", "GUARANTEE");
    for (const SyscallPlan* row : rows) {
        std::printf("%-22s %-16s %-40s %s\n", row->name.c_str(), row->action.c_str(),
                    row->reason.c_str(), row->guaranteeText.c_str());
        if (!row->rule.empty()) {
            std::printf("%-22s   rule: %s\n", "", row->rule.c_str());
        }
    }
    if (rows.size() > 1) {
        std::printf("%-22s %-16s %-40s %s\n", "(any other)", other.action.c_str(),
                    other.reason.c_str(), other.guaranteeText.c_str());
    }
}

void exportBpf(const CompiledProfile& compiled, const std::string& path) {
    const auto bytes = compiled.filter.exportBpf();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        throw CliError(kExitFailure, "cannot write " + path);
    }
}

int sandboxExplain(const Options& options, const SandboxOptions& sandbox) {
    const Profile profile = loadProfile(sandbox.profile);
    const KernelSeccomp kernel = KernelSeccomp::probe();
    const CompiledProfile compiled = compileProfile(profile, sandbox.stateless);
    if (!sandbox.bpfOutput.empty()) {
        exportBpf(compiled, sandbox.bpfOutput);
    }
    std::vector<const SyscallPlan*> rows;
    SyscallPlan unnamed;
    if (sandbox.syscall.empty()) {
        for (const auto& row : compiled.plan.syscalls) {
            rows.push_back(&row);
        }
    } else if (const SyscallPlan* row = compiled.plan.find(sandbox.syscall)) {
        rows.push_back(row);
    } else if (SyscallGroups::resolve(sandbox.syscall) >= 0) {
        unnamed = FilterCompiler::unnamed(profile, sandbox.syscall);
        rows.push_back(&unnamed);
    } else {
        throw CliError(kExitUsage, "unknown syscall '" + sandbox.syscall + "'");
    }
    if (options.json) {
        writeJson(compiled.plan, rows, kernel);
    } else {
        writeTable(compiled.plan, rows, FilterCompiler::unnamed(profile, "(any other)"), kernel);
    }
    return kExitOk;
}

int sandboxShow(const Options& options, const SandboxOptions& sandbox) {
    if (!sandbox.syscall.empty() || !sandbox.bpfOutput.empty() || sandbox.stateless) {
        usage("'sandbox show' takes only a profile");
    }
    const Profile profile = loadProfile(sandbox.profile);
    std::string comment = "Profile " + profile.name + ", merged from:";
    for (const auto& source : profile.sources) {
        comment += "\n  " + source;
    }
    const std::string text = writeProfile(profile, comment);
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("profile").value(profile.name).key("text").value(text);
        std::puts(json.endObject().str().c_str());
        return kExitOk;
    }
    std::fputs(text.c_str(), stdout);
    return kExitOk;
}

void expectCount(const Arguments& args, size_t count) {
    if (args.size() != count) {
        usage("wrong number of arguments for 'sandbox " + args.front() + "'");
    }
}

void printJson(const JsonWriter& json) {
    std::puts(json.str().c_str());
}

// `sandbox list`: what mamorid supervises now.
int sandboxList(Bus& bus, const Options& options) {
    SandboxClient client(bus.connection());
    const auto sandboxes = client.sandboxes();
    if (options.json) {
        JsonWriter json;
        json.beginArray();
        for (const auto& s : sandboxes) {
            json.beginObject().key("id").value(static_cast<unsigned long>(s.id));
            json.key("profile").value(s.profile).key("app").value(s.app);
            json.key("pid").value(static_cast<unsigned long>(s.pid));
            json.key("uid").value(static_cast<unsigned long>(s.uid));
            json.key("notifications").value(static_cast<unsigned long>(s.notifications));
            json.key("violations").value(static_cast<unsigned long>(s.violations));
            json.endObject();
        }
        printJson(json.endArray());
        return kExitOk;
    }
    if (sandboxes.empty()) {
        std::puts("No supervised sandboxes.");
        return kExitOk;
    }
    std::printf("%-6s %-20s %-28s %-8s %-6s %13s %10s\n", "ID", "PROFILE", "APP", "PID", "UID",
                "NOTIFICATIONS", "VIOLATIONS");
    for (const auto& s : sandboxes) {
        std::printf("%-6llu %-20s %-28s %-8u %-6u %13llu %10llu\n",
                    static_cast<unsigned long long>(s.id), s.profile.c_str(),
                    s.app.empty() ? "-" : s.app.c_str(), s.pid, s.uid,
                    static_cast<unsigned long long>(s.notifications),
                    static_cast<unsigned long long>(s.violations));
    }
    return kExitOk;
}

struct LayerListing {
    std::filesystem::path dir;
    bool exists = false;
    std::vector<std::string> names;
};

// The profile names in each layer directory this process can read.
std::vector<LayerListing> localLayers() {
    std::vector<LayerListing> layers;
    for (const auto& dir : ProfileLoader::defaultLayerDirs()) {
        LayerListing layer{dir, false, {}};
        std::error_code ec;
        layer.exists = std::filesystem::is_directory(dir, ec);
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
             it.increment(ec)) {
            if (it->path().extension() == ".profile") {
                layer.names.push_back(it->path().stem().string());
            }
        }
        std::sort(layer.names.begin(), layer.names.end());
        layers.push_back(std::move(layer));
    }
    return layers;
}

// The administrator's profiles as mamorid reports them; nullopt, with the reason in `missing`,
// when there is no bus or no mamorid on it.
std::optional<std::vector<AdminProfileView>> daemonProfiles(Bus& bus, std::string& missing) {
    try {
        SandboxClient client(bus.connection());
        return client.adminProfiles();
    } catch (const CliError& e) {
        if (e.status() != kExitNotRunning) {
            throw;
        }
        missing = e.what();
    } catch (const sdbus::Error& e) {
        if (e.getName() != names::error::kServiceUnknown &&
            e.getName() != names::error::kNameHasNoOwner) {
            throw;
        }
        missing = "mamorid is not running (nobody owns " + std::string(names::kBusName) +
                  " on the system bus)";
    }
    return std::nullopt;
}

void writeProfilesJson(const std::optional<std::vector<AdminProfileView>>& admin,
                       const std::vector<LayerListing>& layers) {
    JsonWriter json;
    json.beginObject().key("mamorid_running").value(admin.has_value());
    json.key("admin_profiles").beginArray();
    for (const auto& profile : admin.value_or(std::vector<AdminProfileView>{})) {
        json.beginObject().key("name").value(profile.name).key("app").value(profile.app);
        json.endObject();
    }
    json.endArray().key("layers").beginArray();
    for (const auto& layer : layers) {
        json.beginObject().key("directory").value(layer.dir.string());
        json.key("exists").value(layer.exists).key("profiles").beginArray();
        for (const auto& name : layer.names) {
            json.value(name);
        }
        json.endArray().endObject();
    }
    printJson(json.endArray().endObject());
}

void writeProfilesTable(const std::optional<std::vector<AdminProfileView>>& admin,
                        const std::vector<LayerListing>& layers) {
    if (admin) {
        std::puts("Administrator's profiles (installed through mamorid):");
        if (admin->empty()) {
            std::puts("  (none)");
        }
        for (const auto& profile : *admin) {
            std::printf("  %-24s %s\n", profile.name.c_str(),
                        profile.app.empty() ? "(does not load; see mamorid's log)"
                                            : profile.app.c_str());
        }
    }
    std::puts("Profiles in the layer directories seen from here (lowest priority first):");
    for (const auto& layer : layers) {
        std::string names;
        for (const auto& name : layer.names) {
            names += (names.empty() ? "" : " ") + name;
        }
        std::printf("  %s: %s\n", layer.dir.c_str(),
                    !layer.exists   ? "(no such directory)"
                    : names.empty() ? "(none)"
                                    : names.c_str());
    }
}

// `sandbox profiles`: mamorid's view of the admin layer, and every layer as this user sees it.
// The local part is useful without mamorid, so it is printed either way.
int sandboxProfiles(Bus& bus, const Options& options) {
    std::string missing;
    const auto admin = daemonProfiles(bus, missing);
    const auto layers = localLayers();
    if (options.json) {
        writeProfilesJson(admin, layers);
    } else {
        writeProfilesTable(admin, layers);
    }
    if (!admin) {
        std::fprintf(stderr, "mamorictl: %s; the administrator's profiles are not listed\n",
                     missing.c_str());
        return kExitNotRunning;
    }
    return kExitOk;
}

std::string readProfileText(const std::string& path) {
    if (path == "-") {
        return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw CliError(kExitFailure, "cannot read " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void reportChange(const Options& options, const std::string& name, const char* key,
                  const char* done) {
    if (options.json) {
        JsonWriter json;
        printJson(json.beginObject().key("name").value(name).key(key).value(true).endObject());
        return;
    }
    std::printf("Profile %s %s.\n", name.c_str(), done);
}

// `sandbox install NAME FILE` (FILE `-` is stdin): mamorid checks it and stores it in the
// administrator's layer.
int sandboxInstall(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 3);
    const std::string text = readProfileText(args[2]);
    const PolkitTtyAgent agent;
    SandboxClient client(bus.connection());
    client.InstallProfile(args[1], text);
    reportChange(options, args[1], "installed", "installed in the administrator's layer");
    return kExitOk;
}

int sandboxRemove(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 2);
    const PolkitTtyAgent agent;
    SandboxClient client(bus.connection());
    client.RemoveProfile(args[1]);
    reportChange(options, args[1], "removed", "removed from the administrator's layer");
    return kExitOk;
}

uint64_t nowUsec() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

std::string localTimeNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S", &tm);
    return buf.data();
}

void printViolation(const Options& options, const ViolationView& v) {
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("time_usec").value(static_cast<unsigned long>(nowUsec()));
        json.key("sandbox").value(static_cast<unsigned long>(v.sandbox)).key("app").value(v.app);
        json.key("pid").value(static_cast<unsigned long>(v.pid)).key("syscall").value(v.syscall);
        json.key("rule").value(v.rule).key("action").value(v.action);
        printJson(json.endObject());
    } else {
        std::printf("%s sandbox %llu (%s) pid %u: %s -> %s; %s\n", localTimeNow().c_str(),
                    static_cast<unsigned long long>(v.sandbox), v.app.empty() ? "-" : v.app.c_str(),
                    v.pid, v.syscall.c_str(), v.action.c_str(), v.rule.c_str());
    }
    // Someone reading a pipe wants each line as it happens.
    std::fflush(stdout);
}

// `sandbox watch`: the Violation signals, one per line, until SIGINT or SIGTERM.
int sandboxWatch(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 1);
    // Blocked before the bus thread starts, so that it inherits the mask and only sigwait
    // below sees them: the loop is left cleanly and the exit status is ours.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto& connection = bus.connection();
    SandboxClient client(connection);
    client.Sandboxes(); // fails now, with the usual message, when mamorid does not run
    client.violation = [&options](const ViolationView& v) { printViolation(options, v); };
    if (!options.json) {
        std::puts("Watching for sandbox violations; Ctrl-C ends.");
        std::fflush(stdout);
    }
    connection.enterEventLoopAsync();
    int signo = 0;
    sigwait(&stop, &signo);
    connection.leaveEventLoop();
    return kExitOk;
}

} // namespace

int commandSandbox(Bus& bus, const Options& options, const Arguments& args) {
    if (args.empty()) {
        usage("no sandbox action given");
    }
    const std::string& verb = args.front();
    if (verb == "list" || verb == "profiles") {
        expectCount(args, 1);
        return verb == "list" ? sandboxList(bus, options) : sandboxProfiles(bus, options);
    }
    if (verb == "install") {
        return sandboxInstall(bus, options, args);
    }
    if (verb == "remove") {
        return sandboxRemove(bus, options, args);
    }
    if (verb == "watch") {
        return sandboxWatch(bus, options, args);
    }
    if (verb != "check" && verb != "explain" && verb != "show") {
        usage("unknown sandbox action '" + verb + "'");
    }
    const SandboxOptions sandbox = parseOptions(args);
    if (verb == "check") {
        return sandboxCheck(options, sandbox);
    }
    if (verb == "show") {
        return sandboxShow(options, sandbox);
    }
    return sandboxExplain(options, sandbox);
}

} // namespace mamori::cli
