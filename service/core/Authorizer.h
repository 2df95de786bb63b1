// Decides whether the sender of a D-Bus method call may do what it asks: looks the method up in
// the AuthorizationTable (unmapped means denied) and asks polkit's CheckAuthorization over
// D-Bus, asynchronously, so that the daemon keeps serving others while a caller authenticates.
#pragma once

#include "common/Errors.h"
#include "core/DbusError.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>

namespace mamori {

struct MethodCall {
    std::string sender;
    std::string interface;
    std::string method;

    // The call an sdbus-c++ handler is running for right now.
    static MethodCall current(const sdbus::IObject& object);
};

class Authorizer {
public:
    // Empty when allowed; the denial (AccessDenied with the reason) otherwise.
    using Verdict = std::function<void(std::optional<MamoriError> denial)>;

    Authorizer(sdbus::IConnection& connection, std::chrono::seconds timeout);

    void setTimeout(std::chrono::seconds timeout) { timeout_ = timeout; }
    void check(const MethodCall& call, Verdict verdict);

    // The shape of every authorized method: authorize the current call, then run `work` with the
    // method's Result. Errors thrown by `work` become error replies.
    template <typename... Results, typename Work>
    void authorizeThen(const sdbus::IObject& object, sdbus::Result<Results...>&& result,
                       Work work) {
        auto reply = std::make_shared<sdbus::Result<Results...>>(std::move(result));
        check(MethodCall::current(object),
              [reply, work = std::move(work)](std::optional<MamoriError> denial) {
                  if (denial) {
                      reply->returnError(toDbusError(*denial));
                      return;
                  }
                  try {
                      work(*reply);
                  } catch (...) {
                      reply->returnError(currentExceptionAsDbusError());
                  }
              });
    }

private:
    std::unique_ptr<sdbus::IProxy> polkit_;
    std::chrono::seconds timeout_;
};

} // namespace mamori
