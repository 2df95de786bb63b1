// Client side of org.mamori.Mamori1.Sandbox for mamorictl, mamori-run and the tests: the
// generated proxy bound to mamorid's name and root path, plain views of its properties and of
// the Violation signal.
#pragma once

#include "common/Names.h"
#include "org.mamori.Mamori1.Sandbox.proxy.h"

#include <cstdint>
#include <functional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace mamori {

// One profile of the administrator's layer.
struct AdminProfileView {
    std::string name;
    std::string app; // empty when mamorid cannot load the profile
};

// One supervised sandbox.
struct SandboxView {
    uint64_t id = 0;
    std::string profile;
    std::string app;
    uint32_t pid = 0;
    uint32_t uid = 0;
    uint64_t notifications = 0;
    uint64_t violations = 0;
};

struct ViolationView {
    uint64_t sandbox = 0;
    std::string app;
    uint32_t pid = 0;
    std::string syscall;
    std::string rule;
    std::string action;
};

class SandboxClient final : public sdbus::ProxyInterfaces<org::mamori::Mamori1::Sandbox_proxy> {
public:
    // Signals arrive only while the connection's event loop runs; set this before it does.
    std::function<void(const ViolationView&)> violation;

    explicit SandboxClient(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, std::string(names::kBusName), std::string(names::kRootPath)) {
        registerProxy();
    }
    ~SandboxClient() { unregisterProxy(); }
    SandboxClient(const SandboxClient&) = delete;
    SandboxClient& operator=(const SandboxClient&) = delete;

    std::vector<AdminProfileView> adminProfiles() {
        std::vector<AdminProfileView> out;
        for (const auto& profile : AdminProfiles()) {
            out.push_back({profile.get<0>(), profile.get<1>()});
        }
        return out;
    }

    std::vector<SandboxView> sandboxes() {
        std::vector<SandboxView> out;
        for (const auto& s : Sandboxes()) {
            out.push_back({s.get<0>(), s.get<1>(), s.get<2>(), s.get<3>(), s.get<4>(), s.get<5>(),
                           s.get<6>()});
        }
        return out;
    }

private:
    void onViolation(const uint64_t& sandbox, const std::string& app, const uint32_t& pid,
                     const std::string& syscall, const std::string& rule,
                     const std::string& action) override {
        if (violation) {
            violation({sandbox, app, pid, syscall, rule, action});
        }
    }
};

} // namespace mamori
