// mamori-tray's settings window against the real mamorid on the private system bus with the
// real polkitd: a real unbound in a network namespace answering queries steered through the
// DNS engine, a profile installed through the service. The pages are driven through their
// widgets, rendered under Xvfb and saved as screenshots (MAMORI_SCREENSHOT_DIR, else
// build/screenshots); a page that cannot render fails. The Devices page is ApprovalPopupTest's
// (its devices come from a umockdev testbed, whose preload would hide the kernel's BTF and
// cgroups from the DNS engine here). Runs under xvfb-run (see CMakeLists.txt); needs root.
#include "SettingsWindowTest.h"

#include "AboutPage.h"
#include "AppScope.h"
#include "DesktopNotifications.h"
#include "DnsPage.h"
#include "EventNotifier.h"
#include "ExposureChart.h"
#include "GuiProbeCopy.h"
#include "ModelRows.h"
#include "ResolverNetns.h"
#include "SandboxesPage.h"
#include "Screenshots.h"
#include "ServiceStates.h"
#include "SettingsWindow.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"
#include "TableView.h"
#include "TestNotificationServer.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QDBusConnection>
#include <QDBusError>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSet>
#include <QTest>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string_view>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace mamori::gui;
using mamori::test::ResolverNetns;
using mamori::test::SystemBusHarness;

namespace {

constexpr const char* kScope = "app-gnome-org.example.Browser-1.scope";
const QString kApp = QStringLiteral("org.example.Browser");
constexpr int kWaitMs = 10000;

// How many different colours an image has (a blank or failed render has one or two).
int distinctColours(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3) {
            colours.insert(image.pixel(x, y));
        }
    }
    return int(colours.size());
}

// Whether a screen reader has a name for `widget`: its own, its text, or a label's buddy.
bool hasAccessibleName(const QWidget* widget, const QList<QLabel*>& labels) {
    if (!widget->accessibleName().isEmpty()) {
        return true;
    }
    if (const auto* button = qobject_cast<const QAbstractButton*>(widget)) {
        return !button->text().isEmpty();
    }
    for (const QLabel* label : labels) {
        if (label->buddy() == widget) {
            return true;
        }
    }
    return false;
}

// Parts of a composite control (a table's corner button, a spin box's line edit) are named by
// the control they belong to.
bool partOfAnotherControl(const QWidget* widget) {
    for (const QWidget* up = widget->parentWidget(); up != nullptr; up = up->parentWidget()) {
        if (qobject_cast<const QAbstractItemView*>(up) != nullptr ||
            qobject_cast<const QAbstractSpinBox*>(up) != nullptr ||
            qobject_cast<const QComboBox*>(up) != nullptr) {
            return true;
        }
    }
    return false;
}

} // namespace

SettingsWindowTest::SettingsWindowTest() = default;
SettingsWindowTest::~SettingsWindowTest() = default;

void SettingsWindowTest::initTestCase() {
    if (const auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    if (const auto reason = ResolverNetns::skipReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    const fs::path cgroupRoot = cgroupV2Mount();
    if (cgroupRoot.empty()) {
        QSKIP("cgroup v2 is not mounted");
    }
    resolver_ = std::make_unique<ResolverNetns>(3);
    harness_ = std::make_unique<SystemBusHarness>();
    cgroup_ = cgroupRoot / ("mamori-gui-window-test-" + std::to_string(::getpid()));
    fs::create_directories(cgroup_ / kScope);
    writeDnsTestConfig(harness_->configDir(), resolver_->address(), cgroup_,
                       "devices=true\nsandbox=true\n");
    harness_->startDaemon();

    QDBusConnection bus = QDBusConnection::connectToBus(QString::fromStdString(harness_->address()),
                                                        QStringLiteral("mamori-window-test"));
    QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
    states_ = std::make_unique<ServiceStates>(bus);
    window_ = std::make_unique<SettingsWindow>(*states_);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    QTRY_VERIFY_WITH_TIMEOUT(states_->dns.loaded() && states_->sandbox.loaded(), kWaitMs);

    // What the pages will show: queries an app made, a profile, a threshold.
    for (const char* name : {"www.alpha.test", "mail.alpha.test", "www.beta.test", "gamma.test"}) {
        const auto result =
            inScope({"/usr/bin/dig", "@192.0.2.53", name, "A", "+short", "+tries=1", "+time=3"});
        QVERIFY2(result.exitCode == 0,
                 (result.out + result.err + harness_->daemonLogText()).c_str());
    }
    states_->sandbox.installProfile(
        QStringLiteral("browser"),
        QStringLiteral("[Application]\nId=org.example.Browser\n\n[Syscalls]\n"
                       "Allow=@system-service;ioctl;prctl\nDeny=ptrace\n"));
    // Down to what r3 learned (alpha.test twice, beta.test, gamma.test: 1.5 bits): a warning.
    notificationServer_ = std::make_unique<TestNotificationServer>();
    QVERIFY2(notificationServer_->error().isEmpty(), qPrintable(notificationServer_->error()));
    notifications_ = std::make_unique<DesktopNotifications>(QStringLiteral("Mamori"));
    events_ = std::make_unique<EventNotifier>(states_->dns, states_->sandbox, *notifications_);
    states_->dns.setExposureThreshold(1.5);
    QTRY_COMPARE_WITH_TIMEOUT(states_->dns.exposureThreshold(), 1.5, kWaitMs);
}

void SettingsWindowTest::cleanupTestCase() {
    events_.reset();
    notifications_.reset();
    window_.reset();
    states_.reset();
    QDBusConnection::disconnectFromBus(QStringLiteral("mamori-window-test"));
    harness_.reset();
    notificationServer_.reset();
    std::error_code ignored;
    fs::remove(cgroup_ / kScope, ignored);
    fs::remove(cgroup_, ignored);
    resolver_.reset();
}

mamori::test::RunResult SettingsWindowTest::inScope(const std::vector<std::string>& argv) const {
    return runInScope(cgroup_ / kScope, argv);
}

void SettingsWindowTest::theDnsPageShowsResolversAppsAndWhatTheyLearned() {
    window_->showPage(SettingsWindow::Page::Dns);
    DnsPage* page = window_->dnsPage();
    QTRY_COMPARE_WITH_TIMEOUT(page->resolvers()->model()->rowCount(), 2, kWaitMs);
    QAbstractItemModel* resolvers = page->resolvers()->model();
    QCOMPARE(resolvers->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Name"));
    QCOMPARE(
        resolvers->index(rowWhere(*resolvers, Qt::DisplayRole, QStringLiteral("Plain resolver")), 1)
            .data()
            .toString(),
        QString::fromStdString(resolver_->address()));
    QTRY_VERIFY_WITH_TIMEOUT(
        (states_->dns.refresh(), rowWhere(*page->apps()->model(), Qt::DisplayRole, kApp) >= 0),
        kWaitMs);
    // The chart's bars are what r3 learned from the four queries (3 registrable domains).
    QTRY_VERIFY_WITH_TIMEOUT(
        (states_->dns.refresh(), page->chart()->bitsByResolver().value(QStringLiteral("r3")) > 1.0),
        kWaitMs);
    QVERIFY(page->chart()->accessibleDescription().contains(QStringLiteral("r3")));
}

void SettingsWindowTest::anExposureWarningBecomesANotification() {
    const QString summary = QStringLiteral("r3 knows a lot about your browsing");
    QTRY_COMPARE_WITH_TIMEOUT(notificationServer_->countAbout(summary), qsizetype(1), kWaitMs);
    const QString body = notificationServer_->latestAbout(summary)->body;
    QVERIFY2(body.startsWith(QStringLiteral("Through Mamori, the resolver r3 has seen 3 distinct "
                                            "site(s): 1.5 bits of information, over your "
                                            "threshold of 1.5 bits.")),
             qPrintable(body));
}

void SettingsWindowTest::assigningAResolverOnThePageReachesTheService() {
    DnsPage* page = window_->dnsPage();
    const int row = rowWhere(*page->apps()->model(), Qt::DisplayRole, kApp);
    QVERIFY(row >= 0);
    page->apps()->selectSourceRow(row);
    QTRY_VERIFY(page->assignButton()->isEnabled());
    const int quiet = page->appTarget()->findData(QStringLiteral("quiet"));
    QVERIFY(quiet >= 0);
    page->appTarget()->setCurrentIndex(quiet);
    QTest::mouseClick(page->assignButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(states_->dns.assignments().value(kApp), QStringLiteral("quiet"),
                              kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(window_->message(),
                              QStringLiteral("Choosing the app's resolver: done."), kWaitMs);
    const auto shown = harness_->mamorictl({"dns", "apps"});
    QVERIFY2(shown.out.find("quiet") != std::string::npos, shown.out.c_str());
}

void SettingsWindowTest::aRefusedChangeIsNamedInTheWindow() {
    // The service refuses a resolver it does not know, naming it; nothing changes.
    DnsPage* page = window_->dnsPage();
    states_->dns.setAssignment(kApp, QStringLiteral("no-such-resolver"));
    QTRY_VERIFY_WITH_TIMEOUT(
        window_->message().startsWith(QStringLiteral("Choosing the app's resolver failed:")),
        kWaitMs);
    QVERIFY2(window_->message().contains(QStringLiteral("no-such-resolver")),
             qPrintable(window_->message()));
    QCOMPARE(states_->dns.assignments().value(kApp), QStringLiteral("quiet"));
    QVERIFY(page->isEnabled());
}

void SettingsWindowTest::theAboutPageShowsFeaturesAndEngines() {
    window_->showPage(SettingsWindow::Page::About);
    AboutPage* page = window_->aboutPage();
    QTRY_VERIFY_WITH_TIMEOUT(page->features()->model()->rowCount() > 3, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(page->engineSwitch(QStringLiteral("dns"))->isChecked(), kWaitMs);
    QVERIFY(page->engineSwitch(QStringLiteral("devices"))->isChecked());
    QVERIFY(page->engineSwitch(QStringLiteral("sandbox"))->isChecked());
}

void SettingsWindowTest::everyPageRenders_data() {
    QTest::addColumn<int>("page");
    QTest::addColumn<QString>("file");
    QTest::newRow("dns") << int(SettingsWindow::Page::Dns) << "settings-dns.png";
    QTest::newRow("sandboxes") << int(SettingsWindow::Page::Sandboxes) << "settings-sandboxes.png";
    QTest::newRow("about") << int(SettingsWindow::Page::About) << "settings-about.png";
}

void SettingsWindowTest::everyPageRenders() {
    QFETCH(int, page);
    QFETCH(QString, file);
    window_->showPage(static_cast<SettingsWindow::Page>(page));
    if (page == int(SettingsWindow::Page::Sandboxes)) {
        QTRY_VERIFY_WITH_TIMEOUT(window_->sandboxesPage()->profiles()->model()->rowCount() >= 1,
                                 kWaitMs);
    }
    QTest::qWait(200);
    const QImage shot = window_->grab().toImage();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.width() >= 600 && shot.height() >= 400);
    QVERIFY2(distinctColours(shot) > 20, "the page rendered (nearly) blank");
    QVERIFY(shot.save(screenshotDir() + QLatin1Char('/') + file));
}

void SettingsWindowTest::everyControlHasANameForScreenReaders() {
    const QList<QLabel*> labels = window_->findChildren<QLabel*>();
    QStringList nameless;
    for (QWidget* widget : window_->findChildren<QWidget*>()) {
        const bool control = qobject_cast<QAbstractButton*>(widget) != nullptr ||
                             qobject_cast<QComboBox*>(widget) != nullptr ||
                             qobject_cast<QAbstractSpinBox*>(widget) != nullptr ||
                             qobject_cast<QLineEdit*>(widget) != nullptr ||
                             qobject_cast<QAbstractItemView*>(widget) != nullptr;
        if (!control || partOfAnotherControl(widget)) {
            continue;
        }
        if (!hasAccessibleName(widget, labels)) {
            nameless << QString::fromLatin1(widget->metaObject()->className()) + QLatin1Char(' ') +
                            widget->objectName();
        }
        if (widget->focusPolicy() == Qt::NoFocus && qobject_cast<QAbstractButton*>(widget)) {
            nameless << QStringLiteral("not reachable by keyboard: ") +
                            qobject_cast<QAbstractButton*>(widget)->text();
        }
    }
    QVERIFY2(nameless.isEmpty(), qPrintable(nameless.join(QStringLiteral("; "))));
}

void SettingsWindowTest::theServiceGoingAwayIsShown() {
    QVERIFY(!window_->serviceBannerShown());
    harness_->stopDaemon(SIGTERM);
    QTRY_VERIFY_WITH_TIMEOUT(window_->serviceBannerShown(), kWaitMs);
    QVERIFY(!window_->dnsPage()->isEnabled());
    const QImage shot = window_->grab().toImage();
    QVERIFY(shot.save(screenshotDir() + QStringLiteral("/settings-service-not-running.png")));
    harness_->startDaemon();
    QTRY_VERIFY_WITH_TIMEOUT(!window_->serviceBannerShown(), kWaitMs);
}

QTEST_MAIN(SettingsWindowTest)
