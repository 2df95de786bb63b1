#include "common/Engine.h"

namespace mamori {

std::string_view engineName(Engine engine) {
    switch (engine) {
    case Engine::Dns:
        return "dns";
    case Engine::Sandbox:
        return "sandbox";
    case Engine::Devices:
        return "devices";
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
