// org.mamori.Mamori1.Sandbox at /org/mamori/Mamori1 (beside the Manager and Devices): the
// administrator's profiles (AdminProfileStore) and the sandboxes the SandboxSupervisor runs.
// The supervisor's events come in through events(); every method is authorized first.
#pragma once

#include "core/Authorizer.h"
#include "org.mamori.Mamori1.Sandbox.adaptor.h"
#include "sandbox/supervisor/AdminProfileStore.h"
#include "sandbox/supervisor/SandboxSupervisor.h"

#include <functional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace mamori::sandbox {

class SandboxObject final : public sdbus::AdaptorInterfaces<org::mamori::Mamori1::Sandbox_adaptor,
                                                            sdbus::Properties_adaptor> {
public:
    struct Context {
        Authorizer& authorizer;
        AdminProfileStore profiles;
        // The supervisor is built after this object (it reports through events()).
        std::function<SandboxSupervisor&()> supervisor;
    };

    SandboxObject(sdbus::IConnection& connection, Context context);
    ~SandboxObject();
    SandboxObject(const SandboxObject&) = delete;
    SandboxObject& operator=(const SandboxObject&) = delete;

    // What the SandboxSupervisor reports through; it must not outlive this object.
    SupervisorEvents events();

private:
    using ProfileList = std::vector<sdbus::Struct<std::string, std::string>>;
    using SandboxList = std::vector<
        sdbus::Struct<uint64_t, std::string, std::string, uint32_t, uint32_t, uint64_t, uint64_t>>;

    ProfileList AdminProfiles() override;
    SandboxList Sandboxes() override;

    void InstallProfile(sdbus::Result<>&& result, std::string name, std::string text) override;
    void RemoveProfile(sdbus::Result<>&& result, std::string name) override;
    void RegisterSandbox(sdbus::Result<uint64_t>&& result, std::string name, std::string profile,
                         sdbus::UnixFd listener, uint32_t pid) override;

    void announce(const std::string& property);

    Context context_;
};

} // namespace mamori::sandbox
