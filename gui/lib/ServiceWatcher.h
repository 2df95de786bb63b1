// Whether mamorid owns its bus name, now and as it comes and goes: the models clear when it
// goes ("service not running") and fetch everything again when it comes back.
#pragma once

#include <QDBusConnection>
#include <QObject>

class QDBusServiceWatcher;

namespace mamori::gui {

class ServiceWatcher : public QObject {
    Q_OBJECT
public:
    // Starts an asynchronous check of the name's owner; runningChanged() follows once known.
    explicit ServiceWatcher(QDBusConnection bus, QObject* parent = nullptr);

    bool running() const { return running_; }
    const QDBusConnection& bus() const { return bus_; }

Q_SIGNALS:
    void runningChanged(bool running);

private:
    void setRunning(bool running);

    QDBusConnection bus_;
    QDBusServiceWatcher* watcher_ = nullptr;
    bool running_ = false;
};

} // namespace mamori::gui
