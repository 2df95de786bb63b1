#include "TrayIcon.h"

#include "DeviceApprovalPrompt.h"
#include "DevicesState.h"
#include "ProtectionSummary.h"

#include <QAction>

namespace mamori::gui {

TrayIcon::TrayIcon(ProtectionSummary& summary, DeviceApprovalPrompt& prompt, DevicesState& devices,
                   QObject* parent)
    : QObject(parent)
    , summary_(summary)
    , devices_(devices) {
    headline_ = menu_.addAction(QString());
    headline_->setEnabled(false);
    menu_.addSeparator();
    pause_ = menu_.addAction(tr("&Pause device approval prompts"));
    pause_->setCheckable(true);
    connect(pause_, &QAction::toggled, &prompt, &DeviceApprovalPrompt::setPaused);
    connect(&prompt, &DeviceApprovalPrompt::pausedChanged, pause_, &QAction::setChecked);
    bluetooth_ = menu_.addAction(tr("&Bluetooth on"));
    bluetooth_->setCheckable(true);
    // triggered, not toggled: only the user's click changes Bluetooth, never a refresh.
    connect(bluetooth_, &QAction::triggered, this,
            [this](bool on) { devices_.setBluetoothBlocked(!on); });
    menu_.addSeparator();
    connect(menu_.addAction(tr("&Settings…")), &QAction::triggered, this,
            &TrayIcon::settingsRequested);
    connect(menu_.addAction(tr("&Quit the tray")), &QAction::triggered, this,
            &TrayIcon::quitRequested);
    icon_.setContextMenu(&menu_);
    connect(&icon_, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick) {
                    Q_EMIT settingsRequested();
                }
            });
    connect(&summary_, &ProtectionSummary::changed, this, &TrayIcon::update);
    connect(&devices_, &DevicesState::changed, this, &TrayIcon::update);
    update();
}

void TrayIcon::update() {
    switch (summary_.state()) {
    case ProtectionSummary::State::NotRunning:
        iconName_ = QStringLiteral(":/icons/mamori-off.svg");
        break;
    case ProtectionSummary::State::Protected:
        iconName_ = QStringLiteral(":/icons/mamori.svg");
        break;
    case ProtectionSummary::State::NeedsAttention:
        iconName_ = QStringLiteral(":/icons/mamori-attention.svg");
        break;
    }
    icon_.setIcon(QIcon(iconName_));
    QStringList lines{summary_.headline()};
    lines << summary_.details();
    icon_.setToolTip(lines.join(QLatin1Char('\n')));
    headline_->setText(summary_.headline());
    const bool running = summary_.state() != ProtectionSummary::State::NotRunning;
    bluetooth_->setEnabled(running);
    bluetooth_->setChecked(running && !devices_.bluetoothBlocked());
}

} // namespace mamori::gui
