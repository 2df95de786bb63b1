#include "DeviceApprovalPrompt.h"

#include "DesktopNotifications.h"
#include "DeviceApprovalDialog.h"
#include "DeviceDescription.h"
#include "DeviceModel.h"
#include "DevicesState.h"
#include "QtNames.h"
#include "common/Names.h"

namespace mamori::gui {

struct DeviceApprovalPrompt::Pending {
    QString deviceId;
    std::unique_ptr<DesktopNotification> notification;
    QPointer<DeviceApprovalDialog> dialog;
    QElapsedTimer shown;
    QTimer timeout;
    // Answered (the device still shows as waiting until mamorid's change arrives).
    bool decided = false;
    // An answer came within the guard time: ignored, the prompt comes back.
    bool ignoredEarly = false;
};

DeviceApprovalPrompt::DeviceApprovalPrompt(DevicesState& devices, DeviceModel& model,
                                           DesktopNotifications& notifications, QObject* parent)
    : QObject(parent)
    , devices_(devices)
    , model_(model)
    , notifications_(notifications) {
    connect(&model_, &QAbstractItemModel::modelReset, this, &DeviceApprovalPrompt::sync);
    connect(&model_, &QAbstractItemModel::dataChanged, this, &DeviceApprovalPrompt::sync);
    connect(&model_, &QAbstractItemModel::rowsInserted, this, &DeviceApprovalPrompt::sync);
    connect(&model_, &QAbstractItemModel::rowsRemoved, this, &DeviceApprovalPrompt::sync);
    // Only the prompt's own answers are its business: the Devices page reports its own.
    const auto isAnswer = [](const QString& action) {
        return action == QStringLiteral("Authorize") || action == QStringLiteral("Block");
    };
    connect(&devices_, &DevicesState::actionSucceeded, this,
            [this, isAnswer](const QString& action) {
                if (isAnswer(action) && answersInFlight_ > 0) {
                    --answersInFlight_;
                }
            });
    connect(&devices_, &DevicesState::actionFailed, this,
            [this, isAnswer](const QString& action, const QString& message) {
                if (!isAnswer(action) || answersInFlight_ == 0) {
                    return;
                }
                --answersInFlight_;
                notifications_.post({tr("Mamori could not apply your answer"),
                                     message,
                                     QStringLiteral("dialog-error"),
                                     {},
                                     DesktopNotifications::Urgency::Normal,
                                     0});
                Q_EMIT failed(message);
            });
    sync();
}

DeviceApprovalPrompt::~DeviceApprovalPrompt() {
    for (auto& [id, pending] : pending_) {
        dismiss(*pending);
    }
}

void DeviceApprovalPrompt::setPaused(bool paused) {
    if (paused == paused_) {
        return;
    }
    paused_ = paused;
    // Prompts already shown stay: pausing is about new ones.
    if (!paused_) {
        sync();
    }
    Q_EMIT pausedChanged(paused_);
}

void DeviceApprovalPrompt::setTimes(std::chrono::milliseconds guard,
                                    std::chrono::milliseconds timeout) {
    guard_ = guard;
    timeout_ = timeout;
}

DeviceApprovalDialog* DeviceApprovalPrompt::dialogFor(const QString& deviceId) const {
    const auto it = pending_.find(deviceId);
    return it == pending_.end() ? nullptr : it->second->dialog.data();
}

// Brings the prompts in line with the devices: one for each waiting device, none for the rest.
void DeviceApprovalPrompt::sync() {
    const QString waiting = qtName(names::device::kStatusWaiting);
    QSet<QString> waitingIds;
    for (int row = 0; row < model_.rowCount(); ++row) {
        const QModelIndex index = model_.index(row, 0);
        if (index.data(DeviceModel::StatusRole).toString() == waiting) {
            waitingIds.insert(index.data(DeviceModel::IdRole).toString());
        }
    }
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (waitingIds.contains(it->first)) {
            ++it;
            continue;
        }
        dismiss(*it->second);
        it = pending_.erase(it);
    }
    if (paused_) {
        return;
    }
    for (const QString& id : std::as_const(waitingIds)) {
        if (pending_.count(id) != 0) {
            continue;
        }
        auto pending = std::make_unique<Pending>();
        pending->deviceId = id;
        Pending& ref = *pending;
        pending_.emplace(id, std::move(pending));
        ref.timeout.setSingleShot(true);
        connect(&ref.timeout, &QTimer::timeout, this,
                [this, id] { decide(id, ApprovalDecision::Block, QStringLiteral("timeout")); });
        present(ref);
    }
}

void DeviceApprovalPrompt::present(Pending& pending) {
    const int row = model_.rowOf(pending.deviceId);
    if (row < 0) {
        return;
    }
    const DeviceDescription device = describeDevice(model_.index(row, 0));
    pending.ignoredEarly = false;
    pending.shown.start();
    if (!pending.timeout.isActive()) {
        pending.timeout.start(timeout_);
    }
    if (notifications_.supportsActions()) {
        presentNotification(pending, device);
    }
    if (!pending.notification) {
        presentDialog(pending, device);
    }
}

void DeviceApprovalPrompt::presentNotification(Pending& pending, const DeviceDescription& device) {
    DesktopNotifications::Request request;
    request.summary = device.question();
    request.body = device.details();
    if (const QString warning = device.warning(); !warning.isEmpty()) {
        request.body += QStringLiteral("\n\n") + warning;
    }
    request.iconName = device.keyboardWithOthers ? QStringLiteral("dialog-warning")
                                                 : QStringLiteral("drive-removable-media");
    request.actions = {{actionKey(ApprovalDecision::AllowOnce), tr("Allow once")},
                       {actionKey(ApprovalDecision::AlwaysAllow), tr("Always allow")},
                       {actionKey(ApprovalDecision::Block), tr("Block")},
                       {QStringLiteral("default"), tr("Block")}};
    request.urgency = DesktopNotifications::Urgency::Critical;
    request.timeoutMs = int(timeout_.count());
    QString error;
    pending.notification = notifications_.show(request, &error);
    if (!pending.notification) {
        return;
    }
    const QString id = pending.deviceId;
    connect(pending.notification.get(), &DesktopNotification::actionInvoked, this,
            [this, id](const QString& key) {
                if (const auto decision = decisionOfKey(key)) {
                    onAction(id, *decision);
                }
            });
    connect(pending.notification.get(), &DesktopNotification::closed, this,
            [this, id] { onClosed(id); });
    Q_EMIT prompted(id, false);
}

void DeviceApprovalPrompt::presentDialog(Pending& pending, const DeviceDescription& device) {
    const auto left = std::max(timeout_ - std::chrono::milliseconds(pending.shown.elapsed()),
                               std::chrono::milliseconds(1000));
    auto* dialog = new DeviceApprovalDialog(device, guard_, left);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    pending.dialog = dialog;
    const QString id = pending.deviceId;
    connect(dialog, &DeviceApprovalDialog::decided, this, [this, id](ApprovalDecision decision) {
        decide(id, decision, QStringLiteral("chosen"));
    });
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    Q_EMIT prompted(id, true);
}

void DeviceApprovalPrompt::onAction(const QString& deviceId, ApprovalDecision decision) {
    const auto it = pending_.find(deviceId);
    if (it == pending_.end() || it->second->decided) {
        return;
    }
    Pending& pending = *it->second;
    if (std::chrono::milliseconds(pending.shown.elapsed()) < guard_) {
        // Too quick to have been read: whatever it was, ask again once the server closed it.
        pending.ignoredEarly = true;
        return;
    }
    decide(deviceId, decision, QStringLiteral("chosen"));
}

void DeviceApprovalPrompt::onClosed(const QString& deviceId) {
    const auto it = pending_.find(deviceId);
    if (it == pending_.end() || it->second->decided) {
        return;
    }
    Pending& pending = *it->second;
    pending.notification->disconnect(this);
    pending.notification.release()->deleteLater();
    if (pending.ignoredEarly || std::chrono::milliseconds(pending.shown.elapsed()) < guard_) {
        present(pending);
        return;
    }
    // Dismissed or expired: the default answer.
    decide(deviceId, ApprovalDecision::Block, QStringLiteral("dismissed"));
}

void DeviceApprovalPrompt::decide(const QString& deviceId, ApprovalDecision decision,
                                  const QString& why) {
    const auto it = pending_.find(deviceId);
    if (it == pending_.end() || it->second->decided) {
        return;
    }
    Pending& pending = *it->second;
    pending.decided = true;
    dismiss(pending);
    const int row = model_.rowOf(deviceId);
    if (row < 0) {
        return;
    }
    ++answersInFlight_;
    switch (decision) {
    case ApprovalDecision::AllowOnce:
        model_.authorize(row, qtName(names::device::kScopeOnce));
        break;
    case ApprovalDecision::AlwaysAllow:
        model_.authorize(row, qtName(names::device::kScopeAlways));
        break;
    case ApprovalDecision::Block:
        model_.block(row, qtName(names::device::kScopeOnce));
        break;
    }
    Q_EMIT decided(deviceId, decision, why);
}

void DeviceApprovalPrompt::dismiss(Pending& pending) {
    pending.timeout.stop();
    if (pending.notification) {
        // Disconnect first: closing it is our doing, not the user's answer. Deleted later:
        // this may run inside the notification's own callback from libnotify.
        pending.notification->disconnect(this);
        pending.notification->close();
        pending.notification.release()->deleteLater();
    }
    if (pending.dialog) {
        pending.dialog->disconnect(this);
        pending.dialog->close();
    }
}

} // namespace mamori::gui
