#include "core/Authorizer.h"

#include "common/Log.h"
#include "common/Names.h"
#include "core/AuthorizationTable.h"

namespace mamori {
namespace {

constexpr const char* kPolkitName = "org.freedesktop.PolicyKit1";
constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kPolkitInterface = "org.freedesktop.PolicyKit1.Authority";
// CheckAuthorizationFlags.AllowUserInteraction: let an authentication agent ask for a password.
constexpr uint32_t kAllowUserInteraction = 1;

using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using AuthorizationResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

MamoriError denied(const std::string& why) {
    return {ErrorCode::AccessDenied, why};
}

std::string describe(const MethodCall& call) {
    return call.interface + "." + call.method + " from " + call.sender;
}

} // namespace

MethodCall MethodCall::current(const sdbus::IObject& object) {
    const sdbus::Message* message = object.getCurrentlyProcessedMessage();
    return {message->getSender(), message->getInterfaceName(), message->getMemberName()};
}

Authorizer::Authorizer(sdbus::IConnection& connection, std::chrono::seconds timeout)
    : polkit_(sdbus::createProxy(connection, kPolkitName, kPolkitPath))
    , timeout_(timeout) {}

void Authorizer::check(const MethodCall& call, Verdict verdict) {
    const auto action = actionFor(call.interface, call.method);
    if (!action) {
        log::warning("denied " + describe(call) + ": method has no polkit action");
        verdict(denied(call.interface + "." + call.method + " is not an authorized method"));
        return;
    }
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(call.sender)}}};
    const std::map<std::string, std::string> details;
    const std::string actionId(*action);
    polkit_->callMethodAsync("CheckAuthorization")
        .onInterface(kPolkitInterface)
        .withTimeout(timeout_)
        .withArguments(subject, actionId, details, kAllowUserInteraction, std::string{})
        .uponReplyInvoke([call, actionId, verdict = std::move(verdict)](
                             const sdbus::Error* error, const AuthorizationResult& result) {
            if (error != nullptr) {
                log::warning("denied " + describe(call) + ": polkit did not answer: " +
                             error->getName() + ": " + error->getMessage());
                verdict(denied("could not check authorization for " + actionId +
                               " (polkit: " + error->getMessage() + ")"));
                return;
            }
            const bool authorized = result.get<0>();
            const bool challenge = result.get<1>();
            if (authorized) {
                log::info("authorized " + describe(call) + " for " + actionId);
                verdict(std::nullopt);
                return;
            }
            log::notice("denied " + describe(call) + " for " + actionId);
            verdict(denied(challenge ? "not authorized for " + actionId +
                                           ": authentication is required and no agent answered"
                                     : "not authorized for " + actionId));
        });
}

} // namespace mamori
