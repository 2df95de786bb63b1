// What the tray icon says at a glance: whether mamorid runs, whether something needs the
// user (a device waiting for a decision, an engine that failed) and one line per engine for
// the tooltip. Recomputed whenever one of the states it reads changes.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

namespace mamori::gui {

class DeviceModel;
class DevicesState;
class DnsState;
class ManagerState;
class SandboxState;
class ServiceWatcher;

class ProtectionSummary : public QObject {
    Q_OBJECT
public:
    enum class State {
        NotRunning,
        Protected,
        NeedsAttention,
    };
    Q_ENUM(State)

    ProtectionSummary(ServiceWatcher& service, ManagerState& manager, DnsState& dns,
                      DevicesState& devices, DeviceModel& deviceModel, SandboxState& sandbox,
                      QObject* parent = nullptr);

    State state() const { return state_; }
    // One line: what the icon means ("Mamori protects this computer").
    QString headline() const { return headline_; }
    // The tooltip's lines under the headline, one per engine.
    QStringList details() const { return details_; }
    int waitingDevices() const { return waitingDevices_; }

Q_SIGNALS:
    void changed();

private:
    void recompute();
    QString dnsLine() const;
    QString devicesLine() const;
    QString sandboxLine() const;

    ServiceWatcher& service_;
    ManagerState& manager_;
    DnsState& dns_;
    DevicesState& devices_;
    DeviceModel& deviceModel_;
    SandboxState& sandbox_;
    State state_ = State::NotRunning;
    QString headline_;
    QStringList details_;
    int waitingDevices_ = 0;
};

} // namespace mamori::gui
