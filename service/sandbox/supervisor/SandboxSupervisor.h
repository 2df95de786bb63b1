// mamorid's side of supervised sandboxes: owns each sandbox's seccomp listener, answers every
// notification from the profile's plan and keeps the per-sandbox state the filter cannot —
// counts, the launcher's first execve, pointer checks, violations. Single-threaded on the main
// loop behind EngineHooks; a notification is answered before the next one is read.
#pragma once

#include "common/EngineHooks.h"
#include "common/UniqueFd.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mamori::sandbox {

struct SandboxInfo {
    uint64_t id = 0;
    std::string profile;
    std::string app;
    uint32_t pid = 0;
    uint32_t uid = 0;
    uint64_t notifications = 0;
    uint64_t violations = 0;
};

struct ViolationReport {
    uint64_t sandbox = 0;
    std::string app;
    uint32_t pid = 0;
    std::string syscall;
    std::string rule;
    std::string action;
};

struct SupervisorEvents {
    // At most kViolationSignalsPerSecond per sandbox; the counters include the rest.
    std::function<void(const ViolationReport&)> violation;
    // A sandbox was registered or has ended.
    std::function<void()> sandboxesChanged;
};

class SupervisedSandbox;

class SandboxSupervisor {
public:
    static constexpr unsigned kViolationSignalsPerSecond = 20;
    // A bound on supervised sandboxes, so that a flood of registrations cannot exhaust
    // mamorid's descriptors.
    static constexpr size_t kMaxSandboxes = 1024;

    SandboxSupervisor(EngineHooks hooks, SupervisorEvents events);
    ~SandboxSupervisor();
    SandboxSupervisor(const SandboxSupervisor&) = delete;
    SandboxSupervisor& operator=(const SandboxSupervisor&) = delete;

    // Takes over `listener` (checked to be a seccomp notifier) for the program the launcher
    // `pid` is about to exec; `profileText` is the merged profile NAME as one keyfile.
    // `callerPid` and `callerUid` come from the bus, never from the caller's arguments. Throws
    // MamoriError(InvalidArgs) naming what is wrong; nothing is kept then.
    uint64_t registerSandbox(const std::string& name, const std::string& profileText,
                             UniqueFd listener, pid_t pid, pid_t callerPid, uid_t callerUid);

    std::vector<SandboxInfo> sandboxes() const;

private:
    void ended(uint64_t id);

    EngineHooks hooks_;
    SupervisorEvents events_;
    uint64_t nextId_ = 1;
    std::map<uint64_t, std::unique_ptr<SupervisedSandbox>> sandboxes_;
};

} // namespace mamori::sandbox
