#include "common/Engine.h"

#include "common/Names.h"

namespace mamori {

std::string_view engineName(Engine engine) {
    switch (engine) {
    case Engine::Dns:
        return names::engine::kDns;
    case Engine::Sandbox:
        return names::engine::kSandbox;
    case Engine::Devices:
        return names::engine::kDevices;
    }
    return "unknown";
}

std::optional<Engine> engineFromName(std::string_view name) {
    for (const Engine engine : kAllEngines) {
        if (engineName(engine) == name) {
            return engine;
        }
    }
    return std::nullopt;
}

} // namespace mamori
