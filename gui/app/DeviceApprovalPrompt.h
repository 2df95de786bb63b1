// Asks the user about every USB device that waits for a decision: a notification with Allow
// once / Always allow / Block (or, when the notification server cannot show buttons, a
// DeviceApprovalDialog), and hands the answer to mamorid. Block is the answer when the time
// runs out or the notification is dismissed; an answer given within the guard time after the
// prompt appeared is ignored and the prompt shown again (anti-clickjacking). Prompts close by
// themselves when the device is decided elsewhere or unplugged.
#pragma once

#include "ApprovalDecision.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <chrono>
#include <map>
#include <memory>

namespace mamori::gui {

class DesktopNotification;
class DesktopNotifications;
class DeviceApprovalDialog;
class DeviceModel;
class DevicesState;
struct DeviceDescription;

class DeviceApprovalPrompt : public QObject {
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kDefaultGuard{1000};
    static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

    DeviceApprovalPrompt(DevicesState& devices, DeviceModel& model,
                         DesktopNotifications& notifications, QObject* parent = nullptr);
    ~DeviceApprovalPrompt() override;

    // While paused, waiting devices are not asked about (they wait, and mamorid applies its
    // approval timeout); resuming asks about those still waiting.
    void setPaused(bool paused);
    bool paused() const { return paused_; }
    void setTimes(std::chrono::milliseconds guard, std::chrono::milliseconds timeout);

    // The fallback dialog open for a device, if any.
    DeviceApprovalDialog* dialogFor(const QString& deviceId) const;

Q_SIGNALS:
    void pausedChanged(bool paused);
    // The answer sent to mamorid for a device; `why` says whether it was chosen or timed out.
    void decided(const QString& deviceId, mamori::gui::ApprovalDecision decision,
                 const QString& why);
    // A prompt appeared (by notification, or by dialog when `dialog`).
    void prompted(const QString& deviceId, bool dialog);
    // One of the prompt's answers was refused (e.g. not authorized); also shown as a
    // notification.
    void failed(const QString& message);

private:
    struct Pending;

    void sync();
    void present(Pending& pending);
    void presentNotification(Pending& pending, const DeviceDescription& device);
    void presentDialog(Pending& pending, const DeviceDescription& device);
    void onAction(const QString& deviceId, ApprovalDecision decision);
    void onClosed(const QString& deviceId);
    void decide(const QString& deviceId, ApprovalDecision decision, const QString& why);
    void dismiss(Pending& pending);

    DevicesState& devices_;
    DeviceModel& model_;
    DesktopNotifications& notifications_;
    std::map<QString, std::unique_ptr<Pending>> pending_;
    std::chrono::milliseconds guard_ = kDefaultGuard;
    std::chrono::milliseconds timeout_ = kDefaultTimeout;
    bool paused_ = false;
    // Answers sent and not yet acknowledged by mamorid.
    int answersInFlight_ = 0;
};

} // namespace mamori::gui
