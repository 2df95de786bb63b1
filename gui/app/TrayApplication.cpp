#include "TrayApplication.h"

#include <QApplication>
#include <QSystemTrayIcon>

namespace mamori::gui {

TrayApplication::TrayApplication(const QDBusConnection& systemBus, QObject* parent)
    : QObject(parent)
    , states_(systemBus)
    , notifications_(QStringLiteral("Mamori"))
    , summary_(states_.service, states_.manager, states_.dns, states_.devices, states_.deviceModel,
               states_.sandbox)
    , prompt_(states_.devices, states_.deviceModel, notifications_)
    , events_(states_.dns, states_.sandbox, notifications_)
    , tray_(summary_, prompt_, states_.devices) {
    connect(&tray_, &TrayIcon::settingsRequested, this, [this] { showSettings(); });
    connect(&tray_, &TrayIcon::quitRequested, qApp, &QApplication::quit);
}

TrayApplication::~TrayApplication() = default;

void TrayApplication::start() {
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        tray_.show();
    }
}

void TrayApplication::showSettings(std::optional<SettingsWindow::Page> page) {
    if (!settings_) {
        settings_ = std::make_unique<SettingsWindow>(states_);
    }
    if (page) {
        settings_->showPage(*page);
    }
    settings_->show();
    settings_->raise();
    settings_->activateWindow();
}

} // namespace mamori::gui
