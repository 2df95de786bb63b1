#include "core/ManagerObject.h"

#include "common/Engine.h"
#include "common/Errors.h"
#include "common/Names.h"
#include "core/EngineRequirements.h"

namespace mamori {

ManagerObject::ManagerObject(sdbus::IConnection& connection, Context context)
    : AdaptorInterfaces(connection, std::string(names::kRootPath))
    , context_(std::move(context)) {
    registerAdaptor();
}

ManagerObject::~ManagerObject() {
    unregisterAdaptor();
}

void ManagerObject::announceStateChanged() {
    emitPropertiesChangedSignal(std::string(names::iface::kManager),
                                {"Engines", "CorruptStateFiles"});
}

uint32_t ManagerObject::Version() {
    return names::kApiVersion;
}

std::string ManagerObject::DaemonVersion() {
    return MAMORI_VERSION;
}

std::map<std::string, sdbus::Struct<bool, std::string>> ManagerObject::Features() {
    std::map<std::string, sdbus::Struct<bool, std::string>> out;
    for (const auto& [name, result] : context_.features.features) {
        out.emplace(name, sdbus::Struct<bool, std::string>{result.available, result.detail});
    }
    return out;
}

std::string ManagerObject::CgroupRoot() {
    return context_.features.cgroupV2Mount;
}

std::map<std::string, bool> ManagerObject::Engines() {
    return context_.engines.byName();
}

std::vector<std::string> ManagerObject::CorruptStateFiles() {
    return context_.store.corruptFiles();
}

void ManagerObject::SetEngineEnabled(sdbus::Result<>&& result, std::string engine, bool enabled) {
    context_.authorizer.authorizeThen(
        getObject(), std::move(result), [this, engine, enabled](sdbus::Result<>& reply) {
            const auto id = engineFromName(engine);
            if (!id) {
                throw MamoriError(ErrorCode::InvalidArgs,
                                  "engine: unknown engine '" + engine +
                                      "'; expected dns, sandbox or devices");
            }
            if (enabled) {
                if (const auto missing = missingRequirement(*id, context_.features)) {
                    throw MamoriError(ErrorCode::Unsupported, *missing);
                }
            }
            if (context_.engines.enabled(*id) != enabled) {
                context_.engines.setEnabled(*id, enabled);
                context_.enginesChanged();
                announceStateChanged();
            }
            reply.returnResults();
        });
}

void ManagerObject::Reload(sdbus::Result<>&& result) {
    context_.authorizer.authorizeThen(getObject(), std::move(result),
                                      [this](sdbus::Result<>& reply) {
                                          context_.reload();
                                          announceStateChanged();
                                          reply.returnResults();
                                      });
}

} // namespace mamori
