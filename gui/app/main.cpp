// mamori-tray: the tray icon, approval popups and settings window of Mamori.
#include "SettingsWindow.h"
#include "TrayApplication.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDBusConnection>
#include <QLibraryInfo>
#include <QLocale>
#include <QSystemTrayIcon>
#include <QTranslator>
#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("mamori-tray"));
    QApplication::setApplicationDisplayName(QStringLiteral("Mamori"));
    QApplication::setApplicationVersion(QStringLiteral(MAMORI_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.mamori.Tray"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/mamori.svg")));
    // The tray lives on without windows.
    QApplication::setQuitOnLastWindowClosed(false);

    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QApplication::installTranslator(&qtTranslator);
    }
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("mamori-tray"), QStringLiteral("_"),
                        QStringLiteral(MAMORI_TRANSLATIONS_DIR))) {
        QApplication::installTranslator(&translator);
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
        "main", "Mamori's tray icon: approve USB devices, choose DNS resolvers, see what they "
                "learn and manage sandboxes. Talks to mamorid on the system bus "
                "(DBUS_SYSTEM_BUS_ADDRESS chooses another)."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption settings(
        QStringLiteral("settings"),
        QApplication::translate("main", "Open the settings window on PAGE (dns, devices, "
                                        "sandboxes, about)."),
        QStringLiteral("PAGE"));
    parser.addOption(settings);
    parser.process(app);

    std::optional<mamori::gui::SettingsWindow::Page> page;
    if (parser.isSet(settings)) {
        page = mamori::gui::SettingsWindow::pageOfName(parser.value(settings));
        if (!page) {
            std::fprintf(stderr,
                         "mamori-tray: --settings: unknown page '%s' (dns, devices, "
                         "sandboxes, about)\n",
                         qPrintable(parser.value(settings)));
            return 2;
        }
    }

    mamori::gui::TrayApplication tray(QDBusConnection::systemBus());
    tray.start();
    if (page) {
        tray.showSettings(page);
    } else if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        // No tray on this desktop: the window is the only way in; prompts work regardless.
        tray.showSettings(mamori::gui::SettingsWindow::Page::Devices);
    }
    return QApplication::exec();
}
