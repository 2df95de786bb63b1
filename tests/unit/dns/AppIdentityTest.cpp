// AppIdentity::fromUnit: systemd unit names -> app ids, table-driven.
#include "dns/AppIdentity.h"

#include <gtest/gtest.h>
#include <optional>
#include <string>

namespace mamori::dns {
namespace {

struct UnitCase {
    const char* unit;
    std::optional<std::string> appId;
};

class AppIdentityFromUnit : public testing::TestWithParam<UnitCase> {};

TEST_P(AppIdentityFromUnit, GivesTheAppIdOrNothing) {
    EXPECT_EQ(AppIdentity::fromUnit(GetParam().unit), GetParam().appId) << GetParam().unit;
}

INSTANTIATE_TEST_SUITE_P(
    Units, AppIdentityFromUnit,
    testing::Values(
        // GNOME / KDE / systemd-run scopes: app-<launcher>-<app-id>-<random>.scope
        UnitCase{"app-gnome-org.example.App-1234.scope", "org.example.App"},
        UnitCase{"app-gnome-firefox-4821.scope", "firefox"},
        UnitCase{"app-kde-org.kde.konsole-a1b2c3.scope", "org.kde.konsole"},
        // the app id's own dashes are escaped
        UnitCase{"app-gnome-org.gnome.Evolution\\x2dalarm\\x2dnotify-2001.scope",
                 "org.gnome.Evolution-alarm-notify"},
        UnitCase{"app-gnome-my\\x2dapp-77.scope", "my-app"},
        // Flatpak
        UnitCase{"app-flatpak-org.mozilla.firefox-12345.scope", "org.mozilla.firefox"},
        UnitCase{"app-flatpak-com.valvesoftware.Steam-1.scope", "com.valvesoftware.Steam"},
        // template services: app-<launcher>-<app-id>@<instance>.service
        UnitCase{"app-gnome-org.gnome.Terminal@autostart.service", "org.gnome.Terminal"},
        UnitCase{"app-kde-my\\x2dtool@abc123.service", "my-tool"},
        // not app units
        UnitCase{"session-2.scope", std::nullopt}, UnitCase{"user@1000.service", std::nullopt},
        UnitCase{"app.slice", std::nullopt}, UnitCase{"init.scope", std::nullopt},
        UnitCase{"dbus.service", std::nullopt}, UnitCase{"", std::nullopt},
        // malformed app units
        UnitCase{"app-gnome-1234.scope", std::nullopt},               // no app id
        UnitCase{"app-firefox.scope", std::nullopt},                  // no launcher, no random
        UnitCase{"app--org.example.App-1.scope", std::nullopt},       // empty launcher
        UnitCase{"app-gnome-org.example.App-.scope", std::nullopt},   // empty random part
        UnitCase{"app-gnome-org.example.App.service", std::nullopt},  // no instance
        UnitCase{"app-gnome-org.example.App@.service", std::nullopt}, // empty instance
        UnitCase{"app-gnome-org.example.App-1.slice", std::nullopt},
        UnitCase{"app-gnome-a\\x2fb-1.scope", std::nullopt}, // '/' smuggled in escaped
        UnitCase{"app-gnome-a\\x20b-1.scope", std::nullopt}, // blank
        UnitCase{"app-gnome-a\\x0ab-1.scope", std::nullopt}, // control character
        UnitCase{"app-gnome-a\\xzzb-1.scope", std::nullopt}, // broken escape
        UnitCase{"app-gnome-a\\x2-1.scope", std::nullopt})); // truncated escape

} // namespace
} // namespace mamori::dns
