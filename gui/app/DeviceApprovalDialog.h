// The approval popup as a window, for desktops whose notification server cannot show buttons:
// the same words and answers as the notification, Block focused and the answer when the time
// runs out or the window is closed. The buttons wake up only after a moment, so that a click
// meant for something else (or provoked by whoever plugged the device) cannot approve it.
#pragma once

#include "ApprovalDecision.h"
#include "DeviceDescription.h"

#include <QDialog>
#include <QElapsedTimer>
#include <QTimer>
#include <chrono>

class QLabel;
class QPushButton;

namespace mamori::gui {

class DeviceApprovalDialog : public QDialog {
    Q_OBJECT
public:
    DeviceApprovalDialog(const DeviceDescription& device, std::chrono::milliseconds guard,
                         std::chrono::milliseconds timeout, QWidget* parent = nullptr);

    const QString& deviceId() const { return deviceId_; }
    QPushButton* button(ApprovalDecision decision) const;

Q_SIGNALS:
    // Once: a button, the time running out or the window closed (Block).
    void decided(mamori::gui::ApprovalDecision decision);

protected:
    void reject() override;

private:
    void finish(ApprovalDecision decision);
    void updateCountdown();

    QString deviceId_;
    QPushButton* allowOnce_ = nullptr;
    QPushButton* alwaysAllow_ = nullptr;
    QPushButton* block_ = nullptr;
    QLabel* countdown_ = nullptr;
    QTimer guard_;
    QTimer tick_;
    QElapsedTimer shown_;
    std::chrono::milliseconds timeout_;
    bool finished_ = false;
};

} // namespace mamori::gui
