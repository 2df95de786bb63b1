// mamori-tray as a whole: the client states of mamorid, the tray icon, the approval prompts,
// the event notifications and (opened on demand) the settings window.
#pragma once

#include "DesktopNotifications.h"
#include "DeviceApprovalPrompt.h"
#include "EventNotifier.h"
#include "ProtectionSummary.h"
#include "ServiceStates.h"
#include "SettingsWindow.h"
#include "TrayIcon.h"

#include <QObject>
#include <memory>

namespace mamori::gui {

class TrayApplication : public QObject {
    Q_OBJECT
public:
    explicit TrayApplication(const QDBusConnection& systemBus, QObject* parent = nullptr);
    ~TrayApplication() override;

    // Shows the tray icon (when the desktop has a tray) and starts prompting.
    void start();
    void showSettings(std::optional<SettingsWindow::Page> page = std::nullopt);

    ServiceStates& states() { return states_; }
    DeviceApprovalPrompt& prompt() { return prompt_; }
    TrayIcon& tray() { return tray_; }
    ProtectionSummary& summary() { return summary_; }
    EventNotifier& events() { return events_; }
    SettingsWindow* settings() const { return settings_.get(); }

private:
    ServiceStates states_;
    DesktopNotifications notifications_;
    ProtectionSummary summary_;
    DeviceApprovalPrompt prompt_;
    EventNotifier events_;
    TrayIcon tray_;
    std::unique_ptr<SettingsWindow> settings_;
};

} // namespace mamori::gui
