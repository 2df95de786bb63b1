// Which engines are switched on. The user's choice is state (engines.state), falling back to the
// configured defaults; a change is written to disk before it takes effect, so a crash never
// loses an acknowledged choice and a failed write changes nothing.
#pragma once

#include "common/Engine.h"
#include "core/Config.h"
#include "core/StateStore.h"

#include <map>
#include <string>

namespace mamori {

class EngineSettings {
public:
    explicit EngineSettings(StateStore& store);

    void load(const Config& config);
    bool enabled(Engine engine) const { return enabled_.at(engine); }
    std::map<std::string, bool> byName() const;

    // Throws MamoriError(StateNotSaved) when the choice cannot be stored; nothing changes then.
    void setEnabled(Engine engine, bool enabled);

private:
    static constexpr std::string_view kStateName = "engines";
    static constexpr std::string_view kGroup = "Engines";

    StateStore& store_;
    std::map<Engine, bool> enabled_;
};

} // namespace mamori
