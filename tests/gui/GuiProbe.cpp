// mamori_gui_probe: gui/lib's DnsState as a user's tray app would use it, in a process of its
// own so that tests can run it as another user (SystemBusHarness::run). Connects to the system
// bus, waits for the properties, asks for one change and prints "ok" or
// "failed: <the message the user would see>".
//
//   mamori_gui_probe set-assignment APP TARGET
//   mamori_gui_probe authorize DEVICE-ID once|always
#include "DevicesState.h"
#include "DnsState.h"
#include "ServiceWatcher.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QTimer>
#include <cstdio>
#include <functional>
#include <memory>

using mamori::gui::DevicesState;
using mamori::gui::DnsState;
using mamori::gui::ServiceWatcher;

namespace {

// Runs `ask` once `state` has its properties, then reports its outcome and quits.
template <typename State>
void askOnce(QCoreApplication& app, State& state, const std::function<void()>& ask) {
    auto asked = std::make_shared<bool>(false);
    QObject::connect(&state, &State::changed, &app, [&state, asked, ask] {
        if (!*asked && state.loaded()) {
            *asked = true;
            ask();
        }
    });
    QObject::connect(&state, &State::actionSucceeded, &app, [&app] {
        std::puts("ok");
        app.exit(0);
    });
    QObject::connect(&state, &State::actionFailed, &app,
                     [&app](const QString&, const QString& message) {
                         std::printf("failed: %s\n", qPrintable(message));
                         app.exit(1);
                     });
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool assignment = args.size() == 4 && args.at(1) == QStringLiteral("set-assignment");
    const bool authorize = args.size() == 4 && args.at(1) == QStringLiteral("authorize");
    if (!assignment && !authorize) {
        std::fputs("usage: mamori_gui_probe set-assignment APP TARGET\n"
                   "       mamori_gui_probe authorize DEVICE-ID once|always\n",
                   stderr);
        return 2;
    }
    ServiceWatcher service(QDBusConnection::systemBus());
    DnsState dns(service);
    DevicesState devices(service);
    if (assignment) {
        askOnce(app, dns, [&] { dns.setAssignment(args.at(2), args.at(3)); });
    } else {
        askOnce(app, devices, [&] { devices.authorize(args.at(2), args.at(3), {}); });
    }
    QTimer::singleShot(20000, &app, [&] {
        std::puts("timed out");
        app.exit(3);
    });
    return QCoreApplication::exec();
}
