#include "SandboxState.h"

#include "QtNames.h"
#include "ServiceWatcher.h"

namespace mamori::gui {

SandboxState::SandboxState(ServiceWatcher& service, QObject* parent)
    : QObject(parent)
    , interface_(service, qtName(names::kRootPath), qtName(names::iface::kSandbox)) {
    registerDbusTypes();
    connect(&interface_, &RemoteInterface::changed, this, &SandboxState::changed);
    connect(&interface_, &RemoteInterface::actionSucceeded, this, &SandboxState::actionSucceeded);
    connect(&interface_, &RemoteInterface::actionFailed, this, &SandboxState::actionFailed);
    QDBusConnection bus = service.bus();
    bus.connect(qtName(names::kBusName), qtName(names::kRootPath), qtName(names::iface::kSandbox),
                QStringLiteral("Violation"), this,
                SLOT(onViolation(qulonglong, QString, uint, QString, QString, QString)));
}

MamoriProfileList SandboxState::adminProfiles() const {
    return interface_.value<MamoriProfileList>(QStringLiteral("AdminProfiles"));
}
MamoriSandboxList SandboxState::sandboxes() const {
    return interface_.value<MamoriSandboxList>(QStringLiteral("Sandboxes"));
}

void SandboxState::installProfile(const QString& name, const QString& text) {
    interface_.userAction(QStringLiteral("InstallProfile"), {name, text});
}
void SandboxState::removeProfile(const QString& name) {
    interface_.userAction(QStringLiteral("RemoveProfile"), {name});
}

// The violation count in Sandboxes moved too.
void SandboxState::onViolation(qulonglong sandbox, const QString& app, uint pid,
                               const QString& syscall, const QString& rule, const QString& action) {
    interface_.refresh();
    Q_EMIT violation({sandbox, app, pid, syscall, rule, action, QDateTime::currentDateTime()});
}

} // namespace mamori::gui
