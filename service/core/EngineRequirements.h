// What each engine needs from the kernel, checked against the feature probe before the engine
// is switched on, so the user hears "this kernel cannot" instead of a half-working engine.
#pragma once

#include "common/Engine.h"
#include "kernel/FeatureProbe.h"

#include <optional>
#include <string>

namespace mamori {

// The first missing feature with the probe's reason, or std::nullopt when all are there.
std::optional<std::string> missingRequirement(Engine engine, const kernel::FeatureReport& report);

} // namespace mamori
