// mamori_gui_probe: gui/lib's DnsState as a user's tray app would use it, in a process of its
// own so that tests can run it as another user (SystemBusHarness::run). Connects to the system
// bus, waits for the DNS properties, asks for one change and prints "ok" or
// "failed: <the message the user would see>".
//
//   mamori_gui_probe set-assignment APP TARGET
#include "DnsState.h"
#include "ServiceWatcher.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QTimer>
#include <cstdio>

using mamori::gui::DnsState;
using mamori::gui::ServiceWatcher;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 4 || args.at(1) != QStringLiteral("set-assignment")) {
        std::fputs("usage: mamori_gui_probe set-assignment APP TARGET\n", stderr);
        return 2;
    }
    ServiceWatcher service(QDBusConnection::systemBus());
    DnsState dns(service);
    bool asked = false;
    QObject::connect(&dns, &DnsState::changed, &app, [&] {
        if (!asked && dns.loaded()) {
            asked = true;
            dns.setAssignment(args.at(2), args.at(3));
        }
    });
    QObject::connect(&dns, &DnsState::actionSucceeded, &app, [&] {
        std::puts("ok");
        app.exit(0);
    });
    QObject::connect(&dns, &DnsState::actionFailed, &app,
                     [&](const QString&, const QString& message) {
                         std::printf("failed: %s\n", qPrintable(message));
                         app.exit(1);
                     });
    QTimer::singleShot(20000, &app, [&] {
        std::puts("timed out");
        app.exit(3);
    });
    return QCoreApplication::exec();
}
