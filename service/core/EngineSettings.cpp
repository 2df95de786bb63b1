#include "core/EngineSettings.h"

#include "common/Log.h"

namespace mamori {

EngineSettings::EngineSettings(StateStore& store)
    : store_(store) {
    for (const Engine engine : kAllEngines) {
        enabled_[engine] = false;
    }
}

void EngineSettings::load(const Config& config) {
    enabled_ = config.engineDefaults;
    const auto state = store_.load(kStateName);
    if (!state) {
        return;
    }
    for (const Engine engine : kAllEngines) {
        const auto value = state->value(kGroup, engineName(engine));
        if (!value) {
            continue;
        }
        const auto parsed = parseBool(*value);
        if (!parsed) {
            log::warning(state->source() + ": engine " + std::string(engineName(engine)) +
                         " has value '" + *value + "', using the default");
            continue;
        }
        enabled_[engine] = *parsed;
    }
}

std::map<std::string, bool> EngineSettings::byName() const {
    std::map<std::string, bool> out;
    for (const auto& [engine, on] : enabled_) {
        out.emplace(engineName(engine), on);
    }
    return out;
}

void EngineSettings::setEnabled(Engine engine, bool enabled) {
    auto next = enabled_;
    next[engine] = enabled;
    KeyFile file;
    for (const auto& [e, on] : next) {
        file.set(kGroup, engineName(e), on ? "true" : "false");
    }
    store_.save(kStateName, file);
    enabled_ = std::move(next);
}

} // namespace mamori
