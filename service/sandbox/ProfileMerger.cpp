#include "sandbox/ProfileMerger.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace mamori::sandbox {
namespace {

constexpr std::string_view kPhasePrefix = "Phase ";
constexpr std::string_view kSwitchPrefix = "Switch.";

bool isListKey(const std::string& group, const std::string& key) {
    return key == "Include" || key == "Allow" || key == "Deny" ||
           (group == "Phases" && key == "Order") || (group == "Serialize" && key == "Pairs");
}

// Limits and Arguments are keyed by syscall; their names are checked with their meaning.
bool isSyscallKeyed(const std::string& group) {
    return group == "Limits" || group == "Arguments";
}

bool knownKey(const std::string& group, const std::string& key) {
    if (group == "Application") {
        return key == "Id" || key == "Binary" || key == "Include";
    }
    if (group == "Syscalls") {
        static constexpr std::array keys = {"Allow", "Deny", "DefaultAction", "DenyAction",
                                            "AllowUnsafePointerChecks"};
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    }
    if (group == "Phases") {
        return key == "Order" || (key.starts_with(kSwitchPrefix) &&
                                  ProfileMerger::isPhaseName(key.substr(kSwitchPrefix.size())));
    }
    if (group == "Serialize") {
        return key == "Pairs";
    }
    if (group.starts_with(kPhasePrefix)) {
        return key == "Allow";
    }
    return isSyscallKeyed(group);
}

void checkGroup(const KeyFile& file, const KeyFileGroup& group) {
    static constexpr std::array groups = {"Application", "Syscalls",  "Phases",
                                          "Limits",      "Serialize", "Arguments"};
    if (std::find(groups.begin(), groups.end(), group.name) != groups.end()) {
        return;
    }
    if (group.name.starts_with(kPhasePrefix)) {
        const std::string phase = group.name.substr(kPhasePrefix.size());
        if (!ProfileMerger::isPhaseName(phase)) {
            file.fail(group.line, "invalid phase name '" + phase +
                                      "' (lower-case letters, digits, '-' and '_')");
        }
        return;
    }
    file.fail(group.line, "unknown group [" + group.name + "]");
}

std::string itemName(const std::string& item) {
    return item.starts_with("!") ? item.substr(1) : item;
}

void removeItem(RawValue& value, const std::string& name) {
    auto& items = value.items;
    items.erase(std::remove_if(items.begin(), items.end(),
                               [&](const RawItem& i) { return i.text == name; }),
                items.end());
}

// A later layer's Allow=x overrides an earlier layer's Deny=x and vice versa; within one file
// both stay, and the builder reports the conflict.
void dropOpposite(RawGroup& group, const std::string& key, const RawItem& item) {
    if (key != "Allow" && key != "Deny") {
        return;
    }
    const auto opposite = group.keys.find(key == "Allow" ? "Deny" : "Allow");
    if (opposite == group.keys.end()) {
        return;
    }
    auto& items = opposite->second.items;
    items.erase(std::remove_if(items.begin(), items.end(),
                               [&](const RawItem& i) {
                                   return i.text == item.text && i.origin.file != item.origin.file;
                               }),
                items.end());
}

void mergeList(RawGroup& group, const KeyFileEntry& entry, const std::string& source) {
    RawValue& value = group.keys[entry.key];
    value.list = true;
    for (const auto& item : ProfileMerger::splitList(entry.value)) {
        const std::string name = itemName(item);
        removeItem(value, name);
        if (item.starts_with("!")) {
            continue;
        }
        RawItem added{name, {source, entry.line}};
        dropOpposite(group, entry.key, added);
        value.items.push_back(std::move(added));
    }
}

void mergeScalar(RawGroup& group, const KeyFileEntry& entry, const std::string& source) {
    if (entry.value.empty()) {
        group.keys.erase(entry.key);
        return;
    }
    group.keys[entry.key] = RawValue{false, {RawItem{entry.value, {source, entry.line}}}};
}

} // namespace

bool ProfileMerger::isPhaseName(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

std::vector<std::string> ProfileMerger::splitList(const std::string& value) {
    std::vector<std::string> items;
    std::string_view rest(value);
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        std::string_view item = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        const auto first = item.find_first_not_of(" \t");
        if (first == std::string_view::npos) {
            continue;
        }
        item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
        items.emplace_back(item);
    }
    return items;
}

std::vector<RawItem> ProfileMerger::includes(const KeyFile& file) {
    std::vector<RawItem> result;
    const KeyFileGroup* app = file.group("Application");
    const KeyFileEntry* entry = app == nullptr ? nullptr : app->find("Include");
    if (entry == nullptr) {
        return result;
    }
    for (const auto& item : splitList(entry->value)) {
        if (!isPhaseName(item)) {
            file.fail(entry->line, "Include: '" + item +
                                       "' is not a profile name (lower-case letters, digits, "
                                       "'-' and '_')");
        }
        result.push_back({item, {file.source(), entry->line}});
    }
    return result;
}

void ProfileMerger::merge(const KeyFile& file, RawProfile& raw) {
    for (const auto& group : file.groups()) {
        checkGroup(file, group);
        RawGroup& target = raw.groups[group.name];
        if (target.origin.line == 0) {
            target.origin = {file.source(), group.line};
        }
        for (const auto& entry : group.entries) {
            if (!knownKey(group.name, entry.key)) {
                file.fail(entry.line, "unknown key '" + entry.key + "' in [" + group.name + "]");
            }
            if (entry.key == "Include") {
                continue; // resolved by the loader before this file's own entries
            }
            if (isListKey(group.name, entry.key)) {
                mergeList(target, entry, file.source());
            } else {
                mergeScalar(target, entry, file.source());
            }
        }
    }
}

} // namespace mamori::sandbox
