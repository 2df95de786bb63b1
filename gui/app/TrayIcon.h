// The tray icon: its picture and tooltip say whether Mamori protects (ProtectionSummary), its
// menu holds the common actions — pausing device prompts, Bluetooth on/off, the settings.
// QSystemTrayIcon speaks StatusNotifierItem where the desktop offers it, else XEmbed.
#pragma once

#include <QMenu>
#include <QObject>
#include <QSystemTrayIcon>

class QAction;

namespace mamori::gui {

class DeviceApprovalPrompt;
class DevicesState;
class ProtectionSummary;

class TrayIcon : public QObject {
    Q_OBJECT
public:
    TrayIcon(ProtectionSummary& summary, DeviceApprovalPrompt& prompt, DevicesState& devices,
             QObject* parent = nullptr);

    void show() { icon_.show(); }
    QString toolTip() const { return icon_.toolTip(); }
    // The icon's resource name for the current state (tests).
    QString iconName() const { return iconName_; }
    QMenu& menu() { return menu_; }

Q_SIGNALS:
    void settingsRequested();
    void quitRequested();

private:
    void update();

    ProtectionSummary& summary_;
    DevicesState& devices_;
    QSystemTrayIcon icon_;
    QMenu menu_;
    QAction* headline_ = nullptr;
    QAction* pause_ = nullptr;
    QAction* bluetooth_ = nullptr;
    QString iconName_;
};

} // namespace mamori::gui
