// mamorid as a whole, for the tray's state and the About page: its version, the kernel features
// its probe found (available or why not), which engines run, and switching an engine.
#pragma once

#include "DbusTypes.h"
#include "RemoteInterface.h"

#include <QObject>
#include <QString>

namespace mamori::gui {

class ServiceWatcher;

class ManagerState : public QObject {
    Q_OBJECT
public:
    explicit ManagerState(ServiceWatcher& service, QObject* parent = nullptr);

    void refresh() { interface_.refresh(); }
    bool loaded() const { return interface_.loaded(); }

    QString daemonVersion() const;
    MamoriFeatureMap features() const;
    MamoriEngineMap engines() const;

    // The outcome comes as actionSucceeded / actionFailed ("SetEngineEnabled").
    void setEngineEnabled(const QString& engine, bool enabled);

Q_SIGNALS:
    void changed();
    void actionSucceeded(const QString& action);
    void actionFailed(const QString& action, const QString& message);

private:
    RemoteInterface interface_;
};

} // namespace mamori::gui
