#include "ManagerState.h"

#include "QtNames.h"
#include "ServiceWatcher.h"

namespace mamori::gui {

ManagerState::ManagerState(ServiceWatcher& service, QObject* parent)
    : QObject(parent)
    , interface_(service, qtName(names::kRootPath), qtName(names::iface::kManager)) {
    registerDbusTypes();
    connect(&interface_, &RemoteInterface::changed, this, &ManagerState::changed);
    connect(&interface_, &RemoteInterface::actionSucceeded, this, &ManagerState::actionSucceeded);
    connect(&interface_, &RemoteInterface::actionFailed, this, &ManagerState::actionFailed);
}

QString ManagerState::daemonVersion() const {
    return interface_.value<QString>(QStringLiteral("DaemonVersion"));
}
MamoriFeatureMap ManagerState::features() const {
    return interface_.value<MamoriFeatureMap>(QStringLiteral("Features"));
}
MamoriEngineMap ManagerState::engines() const {
    return interface_.value<MamoriEngineMap>(QStringLiteral("Engines"));
}

void ManagerState::setEngineEnabled(const QString& engine, bool enabled) {
    interface_.userAction(QStringLiteral("SetEngineEnabled"), {engine, enabled});
}

} // namespace mamori::gui
