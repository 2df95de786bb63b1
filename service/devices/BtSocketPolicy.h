// Which apps may not open Bluetooth sockets, and the content of the map through which the
// bt_socket_guard BPF LSM program (bpf/bt_socket_guard.bpf.c) enforces that. Pure logic: no
// kernel needed, so it is unit-tested on machines that cannot load BPF LSM. The per-socket
// decision is the header's bt_socket_guard_refuses(), the very function the hook runs.
#pragma once

// clang-format off
#include <linux/types.h>
// Relative so that mamori_devices needs no extra include directory for this one C header.
#include "../../bpf/bt_socket_guard.h"
// clang-format on

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamori::devices {

class BtSocketPolicy {
public:
    static constexpr std::uint32_t kAllProtocols = BT_SOCKET_GUARD_ALL_PROTOCOLS;

    // One running app's cgroup: its cgroup v2 id and the last element of its path (the unit).
    struct Cgroup {
        std::uint64_t id = 0;
        std::string unit;
    };
    using MapEntries = std::map<std::uint64_t, bt_socket_guard_rule>;

    // Refuses Bluetooth sockets of the given BTPROTO_* protocols (all when empty) to `appId`;
    // replaces an earlier rule for it. MamoriError(InvalidArgs) naming the bad app id (empty,
    // or with '/' or whitespace) or protocol (outside 0..31).
    void block(const std::string& appId, const std::vector<int>& protocols = {});
    // false when the app had no rule.
    bool unblock(std::string_view appId);
    // The refused protocols as a bit mask; std::nullopt when the app is unrestricted.
    std::optional<std::uint32_t> protocolMask(std::string_view appId) const;
    const std::map<std::string, std::uint32_t, std::less<>>& rules() const { return rules_; }

    // The app id in a systemd app unit name, `app-<launcher>-<app-id>-<random>.scope` (Flatpak:
    // `app-flatpak-<app-id>-<n>.scope`; the launcher may be missing; "\x2d" is an escaped
    // '-'); std::nullopt for any other unit, which then belongs to no app.
    static std::optional<std::string> appIdFromUnit(std::string_view unit);

    // What the `blocked_cgroups` map must hold for these running cgroups: one entry per cgroup
    // whose app has a rule.
    MapEntries mapEntries(const std::vector<Cgroup>& cgroups) const;

    // The hook's answer for socket(family, *, protocol) from `cgroupId` with `entries` in the map.
    static bool refuses(const MapEntries& entries, std::uint64_t cgroupId, int family, int protocol,
                        bool kern);

private:
    std::map<std::string, std::uint32_t, std::less<>> rules_;
};

} // namespace mamori::devices
