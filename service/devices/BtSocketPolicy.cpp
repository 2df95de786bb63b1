#include "devices/BtSocketPolicy.h"

#include "common/Errors.h"

#include <algorithm>
#include <cctype>

namespace mamori::devices {
namespace {

constexpr std::string_view kUnitPrefix = "app-";
constexpr std::string_view kScopeSuffix = ".scope";
// systemd escapes '-' inside a unit name's parts, because '-' separates them.
constexpr std::string_view kEscapedDash = "\\x2d";

std::string unescape(std::string_view text) {
    std::string out;
    while (!text.empty()) {
        if (text.substr(0, kEscapedDash.size()) == kEscapedDash) {
            out += '-';
            text.remove_prefix(kEscapedDash.size());
        } else {
            out += text.front();
            text.remove_prefix(1);
        }
    }
    return out;
}

bool validAppId(std::string_view appId) {
    return !appId.empty() && std::none_of(appId.begin(), appId.end(), [](char c) {
        return c == '/' || std::isspace(static_cast<unsigned char>(c)) != 0;
    });
}

} // namespace

void BtSocketPolicy::block(const std::string& appId, const std::vector<int>& protocols) {
    if (!validAppId(appId)) {
        throw MamoriError(ErrorCode::InvalidArgs, "app_id: \"" + appId + "\" is not an app id");
    }
    std::uint32_t mask = protocols.empty() ? kAllProtocols : 0U;
    for (const int protocol : protocols) {
        if (protocol < 0 || protocol > BT_SOCKET_GUARD_MAX_PROTOCOL) {
            throw MamoriError(ErrorCode::InvalidArgs,
                              "protocols: " + std::to_string(protocol) +
                                  " is not a Bluetooth socket protocol (0.." +
                                  std::to_string(BT_SOCKET_GUARD_MAX_PROTOCOL) + ")");
        }
        mask |= 1U << static_cast<unsigned>(protocol);
    }
    rules_.insert_or_assign(appId, mask);
}

bool BtSocketPolicy::unblock(std::string_view appId) {
    const auto it = rules_.find(appId);
    if (it == rules_.end()) {
        return false;
    }
    rules_.erase(it);
    return true;
}

std::optional<std::uint32_t> BtSocketPolicy::protocolMask(std::string_view appId) const {
    const auto it = rules_.find(appId);
    if (it == rules_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<std::string> BtSocketPolicy::appIdFromUnit(std::string_view unit) {
    if (unit.substr(0, kUnitPrefix.size()) != kUnitPrefix || unit.size() < kScopeSuffix.size() ||
        unit.substr(unit.size() - kScopeSuffix.size()) != kScopeSuffix) {
        return std::nullopt;
    }
    unit.remove_prefix(kUnitPrefix.size());
    unit.remove_suffix(kScopeSuffix.size());
    // The random part after the last '-' makes each launch's scope unique; it is required.
    const auto lastDash = unit.rfind('-');
    if (lastDash == std::string_view::npos || lastDash == 0 || lastDash + 1 == unit.size()) {
        return std::nullopt;
    }
    std::string_view rest = unit.substr(0, lastDash);
    // What remains is "<launcher>-<app-id>" or just "<app-id>"; the app id's own dashes are
    // escaped, so an unescaped one separates the launcher.
    if (const auto firstDash = rest.find('-'); firstDash != std::string_view::npos) {
        rest.remove_prefix(firstDash + 1);
    }
    std::string appId = unescape(rest);
    if (!validAppId(appId)) {
        return std::nullopt;
    }
    return appId;
}

BtSocketPolicy::MapEntries BtSocketPolicy::mapEntries(const std::vector<Cgroup>& cgroups) const {
    MapEntries entries;
    for (const auto& cgroup : cgroups) {
        const auto appId = appIdFromUnit(cgroup.unit);
        if (!appId) {
            continue;
        }
        if (const auto mask = protocolMask(*appId); mask && *mask != 0) {
            entries.insert_or_assign(cgroup.id, bt_socket_guard_rule{*mask, 0});
        }
    }
    return entries;
}

bool BtSocketPolicy::refuses(const MapEntries& entries, std::uint64_t cgroupId, int family,
                             int protocol, bool kern) {
    const auto it = entries.find(cgroupId);
    const bt_socket_guard_rule* rule = it == entries.end() ? nullptr : &it->second;
    return bt_socket_guard_refuses(rule, family, protocol, kern ? 1 : 0) != 0;
}

} // namespace mamori::devices
