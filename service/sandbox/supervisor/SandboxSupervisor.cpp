#include "sandbox/supervisor/SandboxSupervisor.h"

#include "common/Errors.h"
#include "common/KeyFile.h"
#include "common/Log.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/KernelSeccomp.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/supervisor/SupervisedSandbox.h"

namespace mamori::sandbox {
namespace {

// The profile as the launcher compiled it: one self-contained keyfile, nothing to include.
// Its rules' origins read NAME:LINE, lines of the merged text (`mamorictl sandbox show`).
Profile parseProfile(const std::string& name, const std::string& text) {
    try {
        return ProfileLoader({}).loadText(text, name);
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::InvalidArgs, std::string("profile: ") + e.what());
    }
}

Plan supervisedPlan(const Profile& profile, const KernelSeccomp& kernel) {
    try {
        return FilterCompiler(kernel).compile(profile, CompileMode::Supervised).plan;
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::InvalidArgs, std::string("profile: ") + e.what());
    }
}

} // namespace

SandboxSupervisor::SandboxSupervisor(EngineHooks hooks, SupervisorEvents events)
    : hooks_(std::move(hooks))
    , events_(std::move(events)) {}

SandboxSupervisor::~SandboxSupervisor() {
    for (const auto& [id, sandbox] : sandboxes_) {
        hooks_.unwatch(sandbox->fd());
    }
}

uint64_t SandboxSupervisor::registerSandbox(const std::string& name, const std::string& profileText,
                                            UniqueFd listener, pid_t pid, pid_t callerPid,
                                            uid_t callerUid) {
    const KernelSeccomp kernel = KernelSeccomp::probe();
    if (!kernel.userNotif) {
        throw MamoriError(ErrorCode::Unsupported,
                          "this kernel has no seccomp user notifier to supervise through");
    }
    if (pid <= 0 || pid != callerPid) {
        throw MamoriError(ErrorCode::InvalidArgs, "pid: " + std::to_string(pid) +
                                                      " is not the calling process (" +
                                                      std::to_string(callerPid) +
                                                      "); a sandbox is registered by the "
                                                      "launcher that is about to exec it");
    }
    if (!listener || !KernelSeccomp::isNotifierFd(listener.get())) {
        throw MamoriError(ErrorCode::InvalidArgs, "listener: not a seccomp notifier descriptor");
    }
    if (sandboxes_.size() >= kMaxSandboxes) {
        throw MamoriError(ErrorCode::Failed,
                          "too many supervised sandboxes (" + std::to_string(kMaxSandboxes) + ")");
    }
    if (name.empty() || name.size() > 255 ||
        name.find_first_of(std::string_view("\n\0", 2)) != std::string::npos) {
        throw MamoriError(ErrorCode::InvalidArgs, "name: expected the profile's name");
    }
    Profile profile = parseProfile(name, profileText);
    profile.name = name;
    Plan plan = supervisedPlan(profile, kernel);
    const uint64_t id = nextId_++;
    SandboxInfo info{id, profile.name, profile.id, static_cast<uint32_t>(pid), callerUid, 0, 0};
    auto sandbox =
        std::make_unique<SupervisedSandbox>(info, profile, std::move(plan), std::move(listener));
    const int fd = sandbox->fd();
    sandboxes_.emplace(id, std::move(sandbox));
    hooks_.watch(fd, [this, id] {
        const auto it = sandboxes_.find(id);
        if (it != sandboxes_.end() && !it->second->serviceListener(events_.violation)) {
            ended(id);
        }
    });
    log::info("supervising sandbox " + std::to_string(id) + ": profile " + info.profile + ", pid " +
              std::to_string(pid) + ", uid " + std::to_string(callerUid));
    if (events_.sandboxesChanged) {
        events_.sandboxesChanged();
    }
    return id;
}

std::vector<SandboxInfo> SandboxSupervisor::sandboxes() const {
    std::vector<SandboxInfo> list;
    list.reserve(sandboxes_.size());
    for (const auto& [id, sandbox] : sandboxes_) {
        list.push_back(sandbox->info());
    }
    return list;
}

void SandboxSupervisor::ended(uint64_t id) {
    const auto it = sandboxes_.find(id);
    hooks_.unwatch(it->second->fd());
    const SandboxInfo info = it->second->info();
    sandboxes_.erase(it);
    log::info("sandbox " + std::to_string(id) + " (" + info.profile +
              ") ended: " + std::to_string(info.notifications) + " notifications, " +
              std::to_string(info.violations) + " violations");
    if (events_.sandboxesChanged) {
        events_.sandboxesChanged();
    }
}

} // namespace mamori::sandbox
