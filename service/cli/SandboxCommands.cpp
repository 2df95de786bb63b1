// `mamorictl sandbox check|explain`: the sandbox profile tools. They work locally, without
// mamorid and without privileges: profiles are read from the layer directories (or a path),
// merged, validated and compiled; nothing is loaded into the kernel.
#include "cli/Commands.h"
#include "cli/JsonWriter.h"
#include "common/KeyFile.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/SyscallGroups.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace mamori::cli {
namespace {

using namespace mamori::sandbox;

constexpr const char* kSandboxUsage =
    "sandbox check PROFILE | sandbox explain PROFILE [--syscall NAME] [--stateless] "
    "[--bpf OUT]";

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

} // namespace

int commandSandbox(Bus& /*bus*/, const Options& options, const Arguments& args) {
    if (args.empty()) {
        usage("no sandbox action given");
    }
    const std::string& verb = args.front();
    if (verb != "check" && verb != "explain") {
        usage("unknown sandbox action '" + verb + "'");
    }
    const SandboxOptions sandbox = parseOptions(args);
    if (verb == "check") {
        return sandboxCheck(options, sandbox);
    }
    return sandboxExplain(options, sandbox);
}

} // namespace mamori::cli
