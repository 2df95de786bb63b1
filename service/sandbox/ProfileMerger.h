// Merges one profile file into a RawProfile, after checking its groups and keys against the
// schema. The merge rule: list keys (Include, Allow, Deny, Order, Pairs) accumulate, and an item
// `!name` removes `name` from what earlier layers said; a later layer naming a syscall in Allow
// drops it from Deny and the other way round; scalar keys replace, and an empty scalar value
// removes the key.
#pragma once

#include "common/KeyFile.h"
#include "sandbox/RawProfile.h"

#include <string>
#include <vector>

namespace mamori::sandbox {

class ProfileMerger {
public:
    // The file's Include items (checked for syntax), in order.
    static std::vector<RawItem> includes(const KeyFile& file);
    // Throws KeyFileError for unknown groups or keys.
    static void merge(const KeyFile& file, RawProfile& raw);
    static std::vector<std::string> splitList(const std::string& value);
    static bool isPhaseName(const std::string& name);
};

} // namespace mamori::sandbox
