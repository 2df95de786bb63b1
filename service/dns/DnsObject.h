// org.mamori.Mamori1.Dns at /org/mamori/Mamori1 (beside the Manager, Devices and Sandbox): the
// DNS engine's settings, what it sees, and the exposure warning. Every method is authorized
// first (org.mamori.dns.configure) and changes nothing when it fails.
#pragma once

#include "core/Authorizer.h"
#include "dns/DnsEngine.h"
#include "org.mamori.Mamori1.Dns.adaptor.h"

#include <functional>
#include <map>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace mamori::dns {

class DnsObject final : public sdbus::AdaptorInterfaces<org::mamori::Mamori1::Dns_adaptor,
                                                        sdbus::Properties_adaptor> {
public:
    struct Context {
        Authorizer& authorizer;
        // The engine is built after this object (it reports through events()).
        std::function<DnsEngine&()> engine;
    };

    DnsObject(sdbus::IConnection& connection, Context context);
    ~DnsObject();
    DnsObject(const DnsObject&) = delete;
    DnsObject& operator=(const DnsObject&) = delete;

    // What the DnsEngine reports through; it must not outlive this object.
    DnsEngine::Events events();
    // The engine started or stopped.
    void engineStateChanged();

private:
    using ResolverList =
        std::vector<sdbus::Struct<std::string, std::string, std::string, uint16_t, std::string,
                                  std::string, std::string, std::string>>;
    using HealthList =
        std::vector<sdbus::Struct<std::string, bool, uint64_t, uint64_t, uint64_t, uint64_t>>;
    using AppList = std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t>>;
    using DohAppList =
        std::vector<sdbus::Struct<std::string, std::string, std::string, uint64_t, uint64_t>>;
    using ExposureList =
        std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t, double>>;

    std::map<std::string, sdbus::Variant> Status() override;
    ResolverList Resolvers() override;
    HealthList ResolverHealth() override;
    std::string DefaultTarget() override;
    std::vector<std::string> ShardResolvers() override;
    std::map<std::string, std::string> Assignments() override;
    AppList Apps() override;
    ExposureList Exposure() override;
    ExposureList AppExposure() override;
    DohAppList DohApps() override;
    double ExposureThreshold() override;

    void AddResolver(sdbus::Result<>&& result, std::string id,
                     std::map<std::string, sdbus::Variant> settings) override;
    void RemoveResolver(sdbus::Result<>&& result, std::string id) override;
    void SetAssignment(sdbus::Result<>&& result, std::string app, std::string target) override;
    void SetDefaultTarget(sdbus::Result<>&& result, std::string target) override;
    void SetShardResolvers(sdbus::Result<>&& result, std::vector<std::string> ids) override;
    void RestoreShippedResolvers(sdbus::Result<>&& result) override;
    void SetExposureThreshold(sdbus::Result<>&& result, double bits) override;
    void ResetExposure(sdbus::Result<>&& result, std::string resolver) override;

    // Authorizes the current call, then runs `change` on the engine and answers.
    void changeThen(sdbus::Result<>&& result, std::function<void(DnsEngine&)> change);
    void announceSettings();

    Context context_;
};

} // namespace mamori::dns
