#include "sandbox/supervisor/SandboxObject.h"

#include "common/Errors.h"
#include "common/Names.h"
#include "common/UniqueFd.h"
#include "core/DbusError.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>

namespace mamori::sandbox {
namespace {

// Who is calling, as the bus daemon knows it: never what the caller says about itself.
struct Caller {
    pid_t pid = 0;
    uid_t uid = 0;
};

Caller callerOf(const sdbus::IObject& object) {
    const sdbus::Message* message = object.getCurrentlyProcessedMessage();
    try {
        return {message->getCredsPid(), message->getCredsUid()};
    } catch (const sdbus::Error& e) {
        throw MamoriError(ErrorCode::Failed,
                          "cannot learn the caller's process from the bus: " + e.getMessage());
    }
}

// Our own descriptor, close-on-exec, independent of the message the caller's arrived in.
UniqueFd ownCopy(const sdbus::UnixFd& fd) {
    UniqueFd copy(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
    if (!copy) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          std::string("listener: not a usable descriptor: ") +
                              std::strerror(errno));
    }
    return copy;
}

} // namespace

SandboxObject::SandboxObject(sdbus::IConnection& connection, Context context)
    : AdaptorInterfaces(connection, std::string(names::kRootPath))
    , context_(std::move(context)) {
    registerAdaptor();
}

SandboxObject::~SandboxObject() {
    unregisterAdaptor();
}

SupervisorEvents SandboxObject::events() {
    return {[this](const ViolationReport& report) {
                emitViolation(report.sandbox, report.app, report.pid, report.syscall, report.rule,
                              report.action);
            },
            [this] { announce("Sandboxes"); }};
}

void SandboxObject::announce(const std::string& property) {
    emitPropertiesChangedSignal(std::string(names::iface::kSandbox), {property});
}

SandboxObject::ProfileList SandboxObject::AdminProfiles() {
    ProfileList out;
    for (const auto& profile : context_.profiles.list()) {
        out.emplace_back(profile.name, profile.app);
    }
    return out;
}

SandboxObject::SandboxList SandboxObject::Sandboxes() {
    SandboxList out;
    for (const auto& s : context_.supervisor().sandboxes()) {
        out.emplace_back(s.id, s.profile, s.app, s.pid, s.uid, s.notifications, s.violations);
    }
    return out;
}

void SandboxObject::InstallProfile(sdbus::Result<>&& result, std::string name, std::string text) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result),
        [this, name = std::move(name), text = std::move(text)](sdbus::Result<>& reply) {
            context_.profiles.install(name, text);
            reply.returnResults();
            announce("AdminProfiles");
        });
}

void SandboxObject::RemoveProfile(sdbus::Result<>&& result, std::string name) {
    context_.authorizer.authorizeThen(getObject(), std::move(result),
                                      [this, name = std::move(name)](sdbus::Result<>& reply) {
                                          context_.profiles.remove(name);
                                          reply.returnResults();
                                          announce("AdminProfiles");
                                      });
}

void SandboxObject::RegisterSandbox(sdbus::Result<uint64_t>&& result, std::string name,
                                    std::string profile, sdbus::UnixFd listener, uint32_t pid) {
    // The credentials belong to the message being processed now; once polkit has answered,
    // another message is current. So read them (and take the descriptor) before asking.
    Caller caller;
    UniqueFd fd;
    try {
        caller = callerOf(getObject());
        fd = ownCopy(listener);
    } catch (const MamoriError& e) {
        result.returnError(toDbusError(e));
        return;
    }
    // The Verdict that carries the work is a std::function, so the descriptor must be
    // shareable.
    auto shared = std::make_shared<UniqueFd>(std::move(fd));
    auto work = [this, name = std::move(name), profile = std::move(profile), shared, pid,
                 caller](sdbus::Result<uint64_t>& reply) {
        // The supervisor checks `pid` against the bus's word and logs what it takes on.
        reply.returnResults(context_.supervisor().registerSandbox(
            name, profile, std::move(*shared), static_cast<pid_t>(pid), caller.pid, caller.uid));
    };
    context_.authorizer.authorizeThen(getObject(), std::move(result), std::move(work));
}

} // namespace mamori::sandbox
