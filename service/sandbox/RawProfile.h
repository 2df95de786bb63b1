// A profile's keyfile entries after layering and includes, before their meaning is checked:
// each item still knows the file and line it came from.
#pragma once

#include "sandbox/Profile.h"

#include <map>
#include <string>
#include <vector>

namespace mamori::sandbox {

struct RawItem {
    std::string text;
    Origin origin;
};

// A list key holds every surviving item; a scalar key holds exactly one.
struct RawValue {
    bool list = false;
    std::vector<RawItem> items;
};

struct RawGroup {
    Origin origin;
    std::map<std::string, RawValue> keys;
};

struct RawProfile {
    std::string name;
    std::vector<std::string> sources;
    std::map<std::string, RawGroup> groups;

    const RawValue* find(const std::string& group, const std::string& key) const {
        const auto g = groups.find(group);
        if (g == groups.end()) {
            return nullptr;
        }
        const auto k = g->second.keys.find(key);
        return k == g->second.keys.end() ? nullptr : &k->second;
    }
};

} // namespace mamori::sandbox
