#include "ServiceWatcher.h"

#include "QtNames.h"

#include <QDBusConnectionInterface>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <utility>

namespace mamori::gui {

ServiceWatcher::ServiceWatcher(QDBusConnection bus, QObject* parent)
    : QObject(parent)
    , bus_(std::move(bus))
    , watcher_(new QDBusServiceWatcher(qtName(names::kBusName), bus_,
                                       QDBusServiceWatcher::WatchForOwnerChange, this)) {
    connect(watcher_, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString&, const QString&, const QString& newOwner) {
                setRunning(!newOwner.isEmpty());
            });
    if (!bus_.isConnected() || bus_.interface() == nullptr) {
        return;
    }
    auto* pending = new QDBusPendingCallWatcher(
        bus_.interface()->asyncCall(QStringLiteral("NameHasOwner"), qtName(names::kBusName)), this);
    connect(pending, &QDBusPendingCallWatcher::finished, this,
            [this](QDBusPendingCallWatcher* call) {
                const QDBusPendingReply<bool> reply = *call;
                call->deleteLater();
                if (!reply.isError()) {
                    setRunning(reply.value());
                }
            });
}

void ServiceWatcher::setRunning(bool running) {
    if (running == running_) {
        return;
    }
    running_ = running;
    Q_EMIT runningChanged(running_);
}

} // namespace mamori::gui
