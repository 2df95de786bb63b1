#include "DeviceApprovalDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace mamori::gui {

DeviceApprovalDialog::DeviceApprovalDialog(const DeviceDescription& device,
                                           std::chrono::milliseconds guard,
                                           std::chrono::milliseconds timeout, QWidget* parent)
    : QDialog(parent)
    , deviceId_(device.deviceId)
    , timeout_(timeout) {
    setWindowTitle(tr("New USB device"));
    setWindowFlag(Qt::WindowStaysOnTopHint);
    setAccessibleName(device.question());

    auto* layout = new QVBoxLayout(this);
    auto* question = new QLabel(device.question(), this);
    QFont bold = question->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.2);
    question->setFont(bold);
    question->setWordWrap(true);
    layout->addWidget(question);
    auto* details = new QLabel(device.details(), this);
    details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(details);
    if (const QString warning = device.warning(); !warning.isEmpty()) {
        auto* warningLabel = new QLabel(warning, this);
        warningLabel->setWordWrap(true);
        warningLabel->setObjectName(QStringLiteral("warning"));
        warningLabel->setStyleSheet(QStringLiteral("color: #a40000; font-weight: bold;"));
        warningLabel->setAccessibleName(warning);
        layout->addWidget(warningLabel);
    }
    countdown_ = new QLabel(this);
    layout->addWidget(countdown_);

    auto* buttons = new QDialogButtonBox(this);
    allowOnce_ = buttons->addButton(tr("Allow &once"), QDialogButtonBox::AcceptRole);
    alwaysAllow_ = buttons->addButton(tr("&Always allow"), QDialogButtonBox::AcceptRole);
    block_ = buttons->addButton(tr("&Block"), QDialogButtonBox::RejectRole);
    allowOnce_->setAccessibleDescription(tr("Allows the device until it is unplugged"));
    alwaysAllow_->setAccessibleDescription(tr("Allows this device now and whenever it comes back"));
    block_->setAccessibleDescription(tr("Keeps the device switched off"));
    layout->addWidget(buttons);
    connect(allowOnce_, &QPushButton::clicked, this,
            [this] { finish(ApprovalDecision::AllowOnce); });
    connect(alwaysAllow_, &QPushButton::clicked, this,
            [this] { finish(ApprovalDecision::AlwaysAllow); });
    connect(block_, &QPushButton::clicked, this, [this] { finish(ApprovalDecision::Block); });

    // Block is what Enter does; the approving buttons stay off until the guard has passed.
    block_->setDefault(true);
    block_->setFocus();
    allowOnce_->setEnabled(false);
    alwaysAllow_->setEnabled(false);
    guard_.setSingleShot(true);
    guard_.setInterval(guard);
    connect(&guard_, &QTimer::timeout, this, [this] {
        allowOnce_->setEnabled(true);
        alwaysAllow_->setEnabled(true);
    });
    guard_.start();
    tick_.setInterval(std::chrono::milliseconds(250));
    connect(&tick_, &QTimer::timeout, this, &DeviceApprovalDialog::updateCountdown);
    tick_.start();
    shown_.start();
    updateCountdown();
}

QPushButton* DeviceApprovalDialog::button(ApprovalDecision decision) const {
    switch (decision) {
    case ApprovalDecision::AllowOnce:
        return allowOnce_;
    case ApprovalDecision::AlwaysAllow:
        return alwaysAllow_;
    case ApprovalDecision::Block:
        return block_;
    }
    return block_;
}

void DeviceApprovalDialog::reject() {
    finish(ApprovalDecision::Block);
}

void DeviceApprovalDialog::finish(ApprovalDecision decision) {
    if (finished_) {
        return;
    }
    finished_ = true;
    tick_.stop();
    Q_EMIT decided(decision);
    QDialog::done(decision == ApprovalDecision::Block ? Rejected : Accepted);
}

void DeviceApprovalDialog::updateCountdown() {
    const auto left = timeout_ - std::chrono::milliseconds(shown_.elapsed());
    if (left <= std::chrono::milliseconds::zero()) {
        finish(ApprovalDecision::Block);
        return;
    }
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(left).count();
    countdown_->setText(tr("Blocked in %n second(s) unless you allow it.", "", int(seconds)));
}

} // namespace mamori::gui
