// mamori-run's hand-off to mamorid. The filter with a notifier listener is installed on the
// launcher's main thread, whose only call after that is execve — itself sent to the
// supervisor. A registration thread, started before the filter (so it is not under it), finds
// the listener in the process's descriptor table, hands it to mamorid with RegisterSandbox,
// and mamorid's answer to that execve lets the program start. If mamorid refuses, the thread
// prints why and ends the whole process: the program never runs unsupervised.
#pragma once

#include <memory>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <string>

namespace mamori::launcher {

class SupervisorLink {
public:
    // nullptr when there is no system bus or mamorid is not on it.
    static std::unique_ptr<SupervisorLink> connect();

    // Starts the registration thread (call it before installing the filter). `exitStatus` is
    // the launcher's status if mamorid refuses.
    void registerWhenInstalled(std::string name, std::string profileText, int exitStatus);

    explicit SupervisorLink(std::unique_ptr<sdbus::IConnection> connection);

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
};

} // namespace mamori::launcher
