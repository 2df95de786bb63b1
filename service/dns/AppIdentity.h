// Which app a cgroup belongs to, read from its systemd unit name. Desktop launchers (GNOME,
// KDE, Flatpak, systemd-run --user --scope) start every app in its own transient unit named
// after the app, so the name is the one identity the kernel side (a cgroup id) can be tied to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mamori::dns {

class AppIdentity {
public:
    // The app id in a unit name (the last element of a cgroup path):
    //   app-<launcher>-<app-id>-<random>.scope    (Flatpak: app-flatpak-<app-id>-<n>.scope)
    //   app-<launcher>-<app-id>@<instance>.service
    // The launcher and the random part contain no '-'; the app id's own characters that
    // systemd escapes ("\x2d" for '-') are unescaped. std::nullopt for any other unit.
    static std::optional<std::string> fromUnit(std::string_view unit);
};

} // namespace mamori::dns
