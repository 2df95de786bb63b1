#include "ProtectionSummary.h"

#include "DeviceModel.h"
#include "DevicesState.h"
#include "DnsState.h"
#include "ManagerState.h"
#include "QtNames.h"
#include "SandboxState.h"
#include "ServiceWatcher.h"
#include "common/Names.h"

namespace mamori::gui {

ProtectionSummary::ProtectionSummary(ServiceWatcher& service, ManagerState& manager, DnsState& dns,
                                     DevicesState& devices, DeviceModel& deviceModel,
                                     SandboxState& sandbox, QObject* parent)
    : QObject(parent)
    , service_(service)
    , manager_(manager)
    , dns_(dns)
    , devices_(devices)
    , deviceModel_(deviceModel)
    , sandbox_(sandbox) {
    connect(&service_, &ServiceWatcher::runningChanged, this, &ProtectionSummary::recompute);
    connect(&manager_, &ManagerState::changed, this, &ProtectionSummary::recompute);
    connect(&dns_, &DnsState::changed, this, &ProtectionSummary::recompute);
    connect(&devices_, &DevicesState::changed, this, &ProtectionSummary::recompute);
    connect(&sandbox_, &SandboxState::changed, this, &ProtectionSummary::recompute);
    connect(&deviceModel_, &QAbstractItemModel::modelReset, this, &ProtectionSummary::recompute);
    connect(&deviceModel_, &QAbstractItemModel::dataChanged, this, &ProtectionSummary::recompute);
    connect(&deviceModel_, &QAbstractItemModel::rowsInserted, this, &ProtectionSummary::recompute);
    connect(&deviceModel_, &QAbstractItemModel::rowsRemoved, this, &ProtectionSummary::recompute);
    recompute();
}

void ProtectionSummary::recompute() {
    waitingDevices_ = 0;
    for (int row = 0; row < deviceModel_.rowCount(); ++row) {
        if (deviceModel_.index(row, 0).data(DeviceModel::StatusRole).toString() ==
            qtName(names::device::kStatusWaiting)) {
            ++waitingDevices_;
        }
    }
    details_.clear();
    if (!service_.running()) {
        state_ = State::NotRunning;
        headline_ = tr("The Mamori service is not running: nothing is protected.");
    } else {
        details_ = {dnsLine(), devicesLine(), sandboxLine()};
        const bool dnsFailed = dns_.status().value(QStringLiteral("state")).toString() ==
                               qtName(names::dns::kStateFailed);
        if (waitingDevices_ > 0 || dnsFailed) {
            state_ = State::NeedsAttention;
            headline_ = waitingDevices_ > 0
                            ? tr("%n device(s) waiting for your decision.", "", waitingDevices_)
                            : tr("Private DNS failed; see the DNS page.");
        } else {
            state_ = State::Protected;
            headline_ = tr("Mamori protects this computer.");
        }
    }
    Q_EMIT changed();
}

QString ProtectionSummary::dnsLine() const {
    if (!manager_.engines().value(qtName(names::engine::kDns))) {
        return tr("Private DNS: off");
    }
    const QVariantMap status = dns_.status();
    const QString state = status.value(QStringLiteral("state")).toString();
    if (state == qtName(names::dns::kStateFailed)) {
        return tr("Private DNS: failed (%1)")
            .arg(status.value(QStringLiteral("detail")).toString());
    }
    if (state != qtName(names::dns::kStateRunning)) {
        return tr("Private DNS: stopped");
    }
    const QString target = dns_.defaultTarget();
    if (target == qtName(names::dns::kShardTarget)) {
        return tr("Private DNS: spread over %n resolver(s)", "", int(dns_.shardResolvers().size()));
    }
    return tr("Private DNS: through %1").arg(target);
}

QString ProtectionSummary::devicesLine() const {
    if (!manager_.engines().value(qtName(names::engine::kDevices))) {
        return tr("USB protection: off");
    }
    const QString policy = devices_.defaultPolicy();
    QString line;
    if (policy == qtName(names::device::kPolicyAsk)) {
        line = tr("USB protection: new devices ask first");
    } else if (policy == qtName(names::device::kPolicyBlock)) {
        line = tr("USB protection: new devices are blocked");
    } else {
        line = tr("USB protection: new devices are allowed");
    }
    if (devices_.bluetoothBlocked()) {
        line += tr("; Bluetooth off");
    }
    return line;
}

QString ProtectionSummary::sandboxLine() const {
    if (!manager_.engines().value(qtName(names::engine::kSandbox))) {
        return tr("Sandboxes: off");
    }
    return tr("Sandboxes: %n running", "", int(sandbox_.sandboxes().size()));
}

} // namespace mamori::gui
