// The engines mamorid drives. Their wire names are keys of the Manager's `Engines` property.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mamori {

enum class Engine { Dns, Sandbox, Devices };

inline constexpr std::array kAllEngines = {Engine::Dns, Engine::Sandbox, Engine::Devices};

std::string_view engineName(Engine engine);
std::optional<Engine> engineFromName(std::string_view name);

} // namespace mamori
