#include "sandbox/ProfileBuilder.h"

#include "common/KeyFile.h"
#include "sandbox/ArgumentRuleParser.h"
#include "sandbox/PhaseSwitchWire.h"
#include "sandbox/ProfileMerger.h"
#include "sandbox/SyscallGroups.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <set>

namespace mamori::sandbox {
namespace {

constexpr std::string_view kSwitchPrefix = "Switch.";
constexpr std::string_view kPhasePrefix = "Phase ";
constexpr unsigned long kMaxLimit = 1UL << 31U;

[[noreturn]] void fail(const Origin& origin, const std::string& message) {
    throw KeyFileError(origin.file, origin.line, message);
}

struct ErrnoName {
    std::string_view name;
    int value;
};

constexpr std::array kErrnoNames = {
    ErrnoName{"EPERM", EPERM},
    ErrnoName{"ENOENT", ENOENT},
    ErrnoName{"EIO", EIO},
    ErrnoName{"EAGAIN", EAGAIN},
    ErrnoName{"ENOMEM", ENOMEM},
    ErrnoName{"EACCES", EACCES},
    ErrnoName{"EFAULT", EFAULT},
    ErrnoName{"EBUSY", EBUSY},
    ErrnoName{"EINVAL", EINVAL},
    ErrnoName{"ENOSYS", ENOSYS},
    ErrnoName{"ENOTSUP", ENOTSUP},
    ErrnoName{"EROFS", EROFS},
    ErrnoName{"EAFNOSUPPORT", EAFNOSUPPORT},
    // "quota exceeded": what a count limit says when it is reached.
    ErrnoName{"EDQUOT", EDQUOT},
};

std::optional<int> parseErrno(std::string_view text) {
    for (const auto& entry : kErrnoNames) {
        if (entry.name == text) {
            return entry.value;
        }
    }
    int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    // SECCOMP_RET_DATA carries the errno; the kernel caps what it returns at 4095.
    if (ec != std::errc{} || ptr != text.data() + text.size() || value < 1 || value > 4095) {
        return std::nullopt;
    }
    return value;
}

const RawItem* scalar(const RawProfile& raw, const std::string& group, const std::string& key) {
    const RawValue* value = raw.find(group, key);
    return value == nullptr || value->items.empty() ? nullptr : &value->items.front();
}

const std::vector<RawItem>& list(const RawProfile& raw, const std::string& group,
                                 const std::string& key) {
    static const std::vector<RawItem> empty;
    const RawValue* value = raw.find(group, key);
    return value == nullptr ? empty : value->items;
}

void checkSyscall(const std::string& name, const Origin& origin, const std::string& context) {
    if (SyscallGroups::resolve(name) < 0) {
        fail(origin, context + "unknown syscall '" + name + "'");
    }
}

// Expands one list (names and @groups) into syscall → the statement that named it. Explicitly
// named syscalls go into `explicitNames` so conflicts can be told from group overlaps.
std::map<std::string, RuleRef> expandList(const std::vector<RawItem>& items, const std::string& key,
                                          std::map<std::string, RuleRef>* explicitNames) {
    std::map<std::string, RuleRef> result;
    for (const auto& item : items) {
        const RuleRef ref{key + "=" + item.text, item.origin};
        if (item.text.starts_with("@")) {
            if (!SyscallGroups::exists(item.text)) {
                fail(item.origin, key + ": unknown syscall group '" + item.text + "'");
            }
            for (const auto& name : SyscallGroups::expand(item.text)) {
                result.try_emplace(name, ref);
            }
            continue;
        }
        checkSyscall(item.text, item.origin, key + ": ");
        result.insert_or_assign(item.text, ref);
        if (explicitNames != nullptr) {
            explicitNames->insert_or_assign(item.text, ref);
        }
    }
    return result;
}

void checkConflicts(const std::map<std::string, RuleRef>& allowed,
                    const std::map<std::string, RuleRef>& denied) {
    for (const auto& [name, deny] : denied) {
        const auto allow = allowed.find(name);
        if (allow != allowed.end()) {
            fail(deny.origin,
                 "'" + name + "' is both allowed (" + allow->second.str() + ") and denied");
        }
    }
}

void removeAll(std::map<std::string, RuleRef>& from, const std::map<std::string, RuleRef>& what) {
    for (const auto& entry : what) {
        from.erase(entry.first);
    }
}

Action actionOf(const RawItem* item, const Action& fallback, const std::string& key) {
    if (item == nullptr) {
        return fallback;
    }
    auto action = ProfileBuilder::parseAction(item->text);
    if (!action) {
        fail(item->origin, key + ": expected kill, log, errno:NAME or errno:N (1-4095), got '" +
                               item->text + "'");
    }
    return *action;
}

void buildApplication(const RawProfile& raw, Profile& profile) {
    if (const RawItem* id = scalar(raw, "Application", "Id")) {
        const bool valid = std::all_of(id->text.begin(), id->text.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
                   c == '-';
        });
        if (!valid) {
            fail(id->origin, "Id: '" + id->text + "' is not an application id");
        }
        profile.id = id->text;
    }
    if (const RawItem* binary = scalar(raw, "Application", "Binary")) {
        if (!binary->text.starts_with("/")) {
            fail(binary->origin, "Binary: '" + binary->text + "' is not an absolute path");
        }
        profile.binary = binary->text;
    }
}

void buildSyscalls(const RawProfile& raw, Profile& profile) {
    profile.defaultAction =
        actionOf(scalar(raw, "Syscalls", "DefaultAction"), Action{}, "DefaultAction");
    profile.denyAction =
        actionOf(scalar(raw, "Syscalls", "DenyAction"), profile.defaultAction, "DenyAction");
    if (const RawItem* unsafe = scalar(raw, "Syscalls", "AllowUnsafePointerChecks")) {
        const auto flag = parseBool(unsafe->text);
        if (!flag) {
            fail(unsafe->origin,
                 "AllowUnsafePointerChecks: expected true or false, got '" + unsafe->text + "'");
        }
        profile.allowUnsafePointerChecks = *flag;
    }
    std::map<std::string, RuleRef> explicitAllow;
    std::map<std::string, RuleRef> explicitDeny;
    profile.allow = expandList(list(raw, "Syscalls", "Allow"), "Allow", &explicitAllow);
    profile.deny = expandList(list(raw, "Syscalls", "Deny"), "Deny", &explicitDeny);
    checkConflicts(explicitAllow, explicitDeny);
    // A Deny carves syscalls out of allowed groups: `Allow=@system-service` + `Deny=execve`.
    removeAll(profile.allow, profile.deny);
}

// The launcher's preload library sees a switch by wrapping libc functions; a syscall it
// cannot see would never switch, which would leave the process in the looser phase.
void checkObservable(const std::string& syscall, const Origin& origin, const std::string& what) {
    std::string observable;
    for (const auto& trigger : phasewire::kObservableTriggers) {
        if (syscall == trigger.syscall) {
            return;
        }
        observable += (observable.empty() ? "" : ", ") + std::string(trigger.syscall);
    }
    fail(origin, what + "the launcher cannot see the first call of '" + syscall +
                     "'; a switch can be the first call of: " + observable + ", or explicit");
}

PhaseSwitch parseSwitch(const RawItem& item, const std::string& phase) {
    if (item.text == "explicit") {
        return {TriggerKind::Explicit, {}, item.origin};
    }
    if (!item.text.starts_with("first:")) {
        fail(item.origin,
             "Switch." + phase + ": expected first:SYSCALL or explicit, got '" + item.text + "'");
    }
    const std::string syscall = item.text.substr(6);
    checkSyscall(syscall, item.origin, "Switch." + phase + ": ");
    checkObservable(syscall, item.origin, "Switch." + phase + ": ");
    return {TriggerKind::FirstCall, syscall, item.origin};
}

// Order is a list key, so the merge has already dropped repeated names.
void buildPhaseOrder(const RawProfile& raw, Profile& profile) {
    for (const auto& item : list(raw, "Phases", "Order")) {
        if (!ProfileMerger::isPhaseName(item.text)) {
            fail(item.origin, "Order: invalid phase name '" + item.text + "'");
        }
        profile.phases.push_back({item.text, {}, {}});
    }
}

Phase* findPhase(Profile& profile, const std::string& name) {
    const auto it = std::find_if(profile.phases.begin(), profile.phases.end(),
                                 [&](const Phase& p) { return p.name == name; });
    return it == profile.phases.end() ? nullptr : &*it;
}

void buildPhaseGroups(const RawProfile& raw, Profile& profile) {
    for (const auto& [groupName, group] : raw.groups) {
        if (!groupName.starts_with(kPhasePrefix)) {
            continue;
        }
        const std::string name = groupName.substr(kPhasePrefix.size());
        Phase* phase = findPhase(profile, name);
        if (phase == nullptr) {
            fail(group.origin, "phase '" + name + "' is not in [Phases] Order");
        }
        std::map<std::string, RuleRef> explicitAllow;
        phase->allow = expandList(list(raw, groupName, "Allow"), "Allow", &explicitAllow);
        std::map<std::string, RuleRef> explicitDeny;
        expandList(list(raw, "Syscalls", "Deny"), "Deny", &explicitDeny);
        checkConflicts(explicitAllow, explicitDeny);
        removeAll(phase->allow, profile.deny);
    }
}

void applySwitch(Profile& profile, const std::string& key, const RawItem& item) {
    const std::string name = key.substr(kSwitchPrefix.size());
    Phase* phase = findPhase(profile, name);
    if (phase == nullptr) {
        fail(item.origin, key + ": phase '" + name + "' is not in [Phases] Order");
    }
    if (phase == &profile.phases.front()) {
        fail(item.origin, key + ": '" + name + "' is the first phase; the process starts in it");
    }
    phase->entry = parseSwitch(item, name);
    const auto allowed = ProfileBuilder::allowedIn(profile, *phase);
    if (phase->entry->kind == TriggerKind::FirstCall && !allowed.contains(phase->entry->syscall)) {
        fail(item.origin,
             key + ": '" + phase->entry->syscall + "' is not allowed in phase '" + name + "'");
    }
}

void checkEveryPhaseHasASwitch(const RawProfile& raw, const Profile& profile) {
    const auto missing = std::find_if(std::next(profile.phases.begin()), profile.phases.end(),
                                      [](const Phase& phase) { return !phase.entry.has_value(); });
    if (missing != profile.phases.end()) {
        const auto& order = list(raw, "Phases", "Order");
        fail(order.front().origin, "Order: phase '" + missing->name + "' has no Switch." +
                                       missing->name + " in [Phases]");
    }
}

void buildSwitches(const RawProfile& raw, Profile& profile) {
    const auto group = raw.groups.find("Phases");
    if (group == raw.groups.end()) {
        return;
    }
    for (const auto& [key, value] : group->second.keys) {
        if (key.starts_with(kSwitchPrefix) && !value.items.empty()) {
            applySwitch(profile, key, value.items.front());
        }
    }
    if (!profile.phases.empty()) {
        checkEveryPhaseHasASwitch(raw, profile);
    }
}

// A stateful rule is only meaningful on a syscall some phase allows.
void checkUsable(const Profile& profile, const std::string& syscall, const Origin& origin,
                 const std::string& what) {
    checkSyscall(syscall, origin, what + ": ");
    if (const auto deny = profile.deny.find(syscall); deny != profile.deny.end()) {
        fail(origin, what + " on denied syscall '" + syscall + "' (" + deny->second.str() + ")");
    }
    if (!ProfileBuilder::allowedAnywhere(profile, syscall)) {
        fail(origin, what + " on '" + syscall + "', which no phase allows");
    }
}

void buildLimits(const RawProfile& raw, Profile& profile) {
    const auto group = raw.groups.find("Limits");
    if (group == raw.groups.end()) {
        return;
    }
    for (const auto& [syscall, value] : group->second.keys) {
        const RawItem& item = value.items.front();
        checkUsable(profile, syscall, item.origin, "limit");
        unsigned long count = 0;
        const auto [ptr, ec] =
            std::from_chars(item.text.data(), item.text.data() + item.text.size(), count);
        if (ec != std::errc{} || ptr != item.text.data() + item.text.size() || count == 0 ||
            count > kMaxLimit) {
            fail(item.origin, syscall + ": expected a count from 1 to " +
                                  std::to_string(kMaxLimit) + ", got '" + item.text + "'");
        }
        profile.limits[syscall] = {count, item.origin};
    }
}

void buildPairs(const RawProfile& raw, Profile& profile) {
    for (const auto& item : list(raw, "Serialize", "Pairs")) {
        const auto bar = item.text.find('|');
        if (bar == std::string::npos || item.text.find('|', bar + 1) != std::string::npos) {
            fail(item.origin, "Pairs: expected SYSCALL|SYSCALL, got '" + item.text + "'");
        }
        SerializedPair pair{item.text.substr(0, bar), item.text.substr(bar + 1), item.origin};
        if (pair.first == pair.second) {
            fail(item.origin, "Pairs: '" + item.text + "' pairs a syscall with itself");
        }
        checkUsable(profile, pair.first, item.origin, "serialization");
        checkUsable(profile, pair.second, item.origin, "serialization");
        profile.pairs.push_back(std::move(pair));
    }
}

void buildArguments(const RawProfile& raw, Profile& profile) {
    const auto group = raw.groups.find("Arguments");
    if (group == raw.groups.end()) {
        return;
    }
    for (const auto& [syscall, value] : group->second.keys) {
        const RawItem& item = value.items.front();
        checkUsable(profile, syscall, item.origin, "argument rule");
        ArgumentRule rule = ArgumentRuleParser::parse(syscall, item.text, item.origin);
        if (rule.pathPrefix && !profile.allowUnsafePointerChecks) {
            fail(item.origin, syscall +
                                  ": a pointer-content check is TOCTOU-unsafe on stock kernels; "
                                  "set AllowUnsafePointerChecks=true in [Syscalls] to accept that");
        }
        profile.arguments[syscall] = std::move(rule);
    }
}

} // namespace

std::optional<Action> ProfileBuilder::parseAction(const std::string& text) {
    if (text == "kill") {
        return Action{ActionKind::Kill, 0, "kill"};
    }
    if (text == "log") {
        return Action{ActionKind::Log, 0, "log"};
    }
    if (!text.starts_with("errno:")) {
        return std::nullopt;
    }
    const auto value = parseErrno(std::string_view(text).substr(6));
    if (!value) {
        return std::nullopt;
    }
    return Action{ActionKind::Errno, *value, text};
}

std::map<std::string, RuleRef> ProfileBuilder::allowedIn(const Profile& profile,
                                                         const Phase& phase) {
    std::map<std::string, RuleRef> result = profile.allow;
    for (const auto& entry : phase.allow) {
        result.insert(entry);
    }
    return result;
}

bool ProfileBuilder::allowedAnywhere(const Profile& profile, const std::string& syscall) {
    if (profile.allow.contains(syscall)) {
        return true;
    }
    return std::any_of(profile.phases.begin(), profile.phases.end(),
                       [&](const Phase& p) { return p.allow.contains(syscall); });
}

Profile ProfileBuilder::build(const RawProfile& raw) {
    Profile profile;
    profile.name = raw.name;
    profile.sources = raw.sources;
    buildApplication(raw, profile);
    buildSyscalls(raw, profile);
    buildPhaseOrder(raw, profile);
    buildPhaseGroups(raw, profile);
    buildSwitches(raw, profile);
    buildLimits(raw, profile);
    buildPairs(raw, profile);
    buildArguments(raw, profile);
    return profile;
}

} // namespace mamori::sandbox
