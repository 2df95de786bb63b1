// org.mamori.Mamori1.Manager at /org/mamori/Mamori1: version, kernel features, engine switches.
#pragma once

#include "core/Authorizer.h"
#include "core/EngineSettings.h"
#include "core/StateStore.h"
#include "kernel/FeatureProbe.h"
#include "org.mamori.Mamori1.Manager.adaptor.h"

#include <functional>
#include <sdbus-c++/sdbus-c++.h>

namespace mamori {

class ManagerObject final : public sdbus::AdaptorInterfaces<org::mamori::Mamori1::Manager_adaptor,
                                                            sdbus::Properties_adaptor> {
public:
    struct Context {
        Authorizer& authorizer;
        EngineSettings& engines;
        const StateStore& store;
        const kernel::FeatureReport& features;
        std::function<void()> reload; // throws MamoriError(BadConfig) and keeps the old config
        // After an engine was switched on or off: start or stop what it runs.
        std::function<void()> enginesChanged;
    };

    ManagerObject(sdbus::IConnection& connection, Context context);
    ~ManagerObject();
    ManagerObject(const ManagerObject&) = delete;
    ManagerObject& operator=(const ManagerObject&) = delete;

    // After anything that may have changed Engines or CorruptStateFiles.
    void announceStateChanged();

private:
    uint32_t Version() override;
    std::string DaemonVersion() override;
    std::map<std::string, sdbus::Struct<bool, std::string>> Features() override;
    std::string CgroupRoot() override;
    std::map<std::string, bool> Engines() override;
    std::vector<std::string> CorruptStateFiles() override;

    void SetEngineEnabled(sdbus::Result<>&& result, std::string engine, bool enabled) override;
    void Reload(sdbus::Result<>&& result) override;

    Context context_;
};

} // namespace mamori
