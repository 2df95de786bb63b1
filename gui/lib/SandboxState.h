// Per-app sandboxes as the settings window sees them: org.mamori.Mamori1.Sandbox's properties
// (the administrator's profiles, the supervised sandboxes running), its Violation signal, and
// the profile changes a user can make. Asynchronous (RemoteInterface).
#pragma once

#include "DbusTypes.h"
#include "RemoteInterface.h"

#include <QDateTime>
#include <QObject>
#include <QString>

namespace mamori::gui {

class ServiceWatcher;

// One Violation signal, as it arrived.
struct SandboxViolation {
    quint64 sandbox = 0;
    QString app;
    uint pid = 0;
    QString syscall;
    QString rule; // with its profile file:line
    QString action;
    QDateTime seen;
};

class SandboxState : public QObject {
    Q_OBJECT
public:
    explicit SandboxState(ServiceWatcher& service, QObject* parent = nullptr);

    void refresh() { interface_.refresh(); }
    bool loaded() const { return interface_.loaded(); }

    MamoriProfileList adminProfiles() const;
    MamoriSandboxList sandboxes() const;

    // Changes the user asked for; the outcome comes as actionSucceeded / actionFailed.
    void installProfile(const QString& name, const QString& text);
    void removeProfile(const QString& name);

Q_SIGNALS:
    void changed();
    void actionSucceeded(const QString& action);
    void actionFailed(const QString& action, const QString& message);
    void violation(const mamori::gui::SandboxViolation& violation);

private Q_SLOTS:
    void onViolation(qulonglong sandbox, const QString& app, uint pid, const QString& syscall,
                     const QString& rule, const QString& action);

private:
    RemoteInterface interface_;
};

} // namespace mamori::gui
