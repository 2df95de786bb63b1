// mamori-tray's approval popup and notifications against the real mamorid on the private
// system bus (SystemBusHarness, real polkitd) with a umockdev testbed behind it, and a test
// notification server (org.freedesktop.Notifications) on a private session bus that libnotify
// talks to. The answers sent through the server end up in the testbed's `authorized` files.
// Runs under xvfb-run and umockdev-wrapper (see CMakeLists.txt); needs root.
#include "ApprovalPopupTest.h"

#include "DeviceApprovalDialog.h"
#include "DeviceApprovalPrompt.h"
#include "DeviceModel.h"
#include "DevicesPage.h"
#include "EventNotifier.h"
#include "ModelRows.h"
#include "Screenshots.h"
#include "SettingsWindow.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"
#include "TableView.h"
#include "TempDir.h"
#include "TestNotificationServer.h"
#include "TrayApplication.h"
#include "UsbTestbed.h"
#include "common/Names.h"

#include <QAction>
#include <QDBusConnection>
#include <QDBusError>
#include <QDir>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace fs = std::filesystem;
using namespace mamori::gui;
using mamori::test::SystemBusHarness;

namespace {

constexpr int kWaitMs = 10000;
// Past the prompt's guard time (DeviceApprovalPrompt::kDefaultGuard).
constexpr int kPastGuardMs = 1300;

DeviceSpec device(const std::string& port, uint16_t product, const std::string& name,
                  std::vector<InterfaceSpec> interfaces) {
    DeviceSpec spec;
    spec.name = port;
    spec.idVendor = 0x0781;
    spec.idProduct = product;
    spec.product = name;
    spec.interfaces = std::move(interfaces);
    return spec;
}

QString idOf(const std::string& port) {
    QString id = QStringLiteral("usb_") + QString::fromStdString(port);
    return id.replace(QLatin1Char('-'), QLatin1Char('_'));
}

} // namespace

ApprovalPopupTest::ApprovalPopupTest() = default;
ApprovalPopupTest::~ApprovalPopupTest() = default;

void ApprovalPopupTest::initTestCase() {
    if (const auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    if (!umockdevPreloaded()) {
        QSKIP("needs umockdev's LD_PRELOAD: run under umockdev-wrapper (ctest does)");
    }
    server_ = std::make_unique<TestNotificationServer>();
    QVERIFY2(server_->error().isEmpty(), qPrintable(server_->error()));

    harness_ = std::make_unique<SystemBusHarness>();
    testbed_ = std::make_unique<UsbTestbed>();
    hub_ = testbed_->addRootHub(1);
    std::ofstream(harness_->configDir() / "mamori.conf")
        << "[Engines]\ndevices=true\nsandbox=true\n[Devices]\nDefaultPolicy=ask\n"
        << "ApprovalTimeoutSec=600\n";
    harness_->startDaemon();

    QDBusConnection bus = QDBusConnection::connectToBus(QString::fromStdString(harness_->address()),
                                                        QStringLiteral("mamori-popup-test"));
    QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
    tray_ = std::make_unique<TrayApplication>(bus);
    tray_->start();
    QTRY_VERIFY_WITH_TIMEOUT(tray_->states().devices.loaded(), kWaitMs);
}

void ApprovalPopupTest::cleanupTestCase() {
    tray_.reset();
    QDBusConnection::disconnectFromBus(QStringLiteral("mamori-popup-test"));
    harness_.reset();
    testbed_.reset();
    server_.reset();
}

std::string ApprovalPopupTest::plug(const DeviceSpec& spec) {
    auto path = testbed_->plug(hub_, spec);
    paths_[spec.name] = path;
    return path;
}

ReceivedNotification ApprovalPopupTest::waitForQuestion(const QString& product, int atLeast) {
    [&] { QTRY_VERIFY_WITH_TIMEOUT(server_->countAbout(product) >= atLeast, kWaitMs); }();
    return server_->latestAbout(product).value_or(ReceivedNotification{});
}

QString ApprovalPopupTest::authorized(const std::string& path) const {
    return QString::fromStdString(attribute(path, "authorized"));
}

QString ApprovalPopupTest::statusOf(const QString& id) const {
    const DeviceModel& model = tray_->states().deviceModel;
    const int row = model.rowOf(id);
    return row < 0 ? QString() : model.index(row, 0).data(DeviceModel::StatusRole).toString();
}

void ApprovalPopupTest::aWaitingDeviceIsAskedAboutWithItsThreeAnswers() {
    QSignalSpy decided(&tray_->prompt(), &DeviceApprovalPrompt::decided);
    const auto path = plug(device("1-1", 0x5567, "Cruzer Blade", {kStorage}));
    const ReceivedNotification question = waitForQuestion(QStringLiteral("Cruzer Blade"));
    QCOMPARE(question.actionKeys(),
             (QStringList{QStringLiteral("allow-once"), QStringLiteral("allow-always"),
                          QStringLiteral("block"), QStringLiteral("default")}));
    QCOMPARE(question.labelOf(QStringLiteral("allow-once")), QStringLiteral("Allow once"));
    QCOMPARE(question.labelOf(QStringLiteral("allow-always")), QStringLiteral("Always allow"));
    QCOMPARE(question.labelOf(QStringLiteral("block")), QStringLiteral("Block"));
    // The body's default (a click on the notification) blocks.
    QCOMPARE(question.labelOf(QStringLiteral("default")), QStringLiteral("Block"));
    QVERIFY2(question.body.contains(QStringLiteral("storage")), qPrintable(question.body));
    QVERIFY2(question.body.contains(QStringLiteral("Mamori Tests (0781:5567)")),
             qPrintable(question.body));
    QVERIFY2(!question.body.contains(QStringLiteral("Warning")), qPrintable(question.body));
    QCOMPARE(question.hints.value(QStringLiteral("urgency")).toInt(), 2);
    QCOMPARE(question.appName, QStringLiteral("Mamori"));
    // The tray says someone is waiting.
    QTRY_VERIFY_WITH_TIMEOUT(
        tray_->tray().toolTip().contains(QStringLiteral("1 device(s) waiting")), kWaitMs);
    QCOMPARE(tray_->tray().iconName(), QStringLiteral(":/icons/mamori-attention.svg"));
    QCOMPARE(authorized(path), QStringLiteral("0"));
    QCOMPARE(decided.count(), 0);
}

void ApprovalPopupTest::anAnswerInTheFirstSecondIsIgnoredAndTheQuestionAskedAgain() {
    const QString product = QStringLiteral("Cruzer Blade");
    const ReceivedNotification first = server_->latestAbout(product).value();
    const auto path = paths_.at("1-1");
    // Replayed at once, the way a real server reports a click and then closes the popup.
    server_->invokeAction(first.id, QStringLiteral("allow-once"));
    server_->close(first.id, 2);
    const ReceivedNotification again = waitForQuestion(product, 2);
    QVERIFY(again.id != first.id);
    QCOMPARE(statusOf(idOf("1-1")),
             QString::fromStdString(std::string(mamori::names::device::kStatusWaiting)));
    QCOMPARE(authorized(path), QStringLiteral("0"));

    QSignalSpy decided(&tray_->prompt(), &DeviceApprovalPrompt::decided);
    QTest::qWait(kPastGuardMs);
    server_->invokeAction(again.id, QStringLiteral("allow-once"));
    QTRY_COMPARE_WITH_TIMEOUT(authorized(path), QStringLiteral("1"), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        statusOf(idOf("1-1")),
        QString::fromStdString(std::string(mamori::names::device::kStatusAuthorized)), kWaitMs);
    QCOMPARE(decided.count(), 1);
    QCOMPARE(decided.at(0).at(1).value<ApprovalDecision>(), ApprovalDecision::AllowOnce);
    QCOMPARE(server_->countAbout(product), 2);
}

void ApprovalPopupTest::aKeyboardNextToStorageIsWarnedAboutAndBlocked() {
    const auto path = plug(device("1-2", 0x7523, "Fast Charger", {kStorage, kKeyboard}));
    const ReceivedNotification question = waitForQuestion(QStringLiteral("Fast Charger"));
    QVERIFY2(question.body.contains(QStringLiteral("keyboard, storage")) ||
                 question.body.contains(QStringLiteral("storage, keyboard")),
             qPrintable(question.body));
    QVERIFY2(question.body.contains(QStringLiteral("Warning: this device is a keyboard")),
             qPrintable(question.body));
    QTest::qWait(kPastGuardMs);
    server_->invokeAction(question.id, QStringLiteral("block"));
    QTRY_COMPARE_WITH_TIMEOUT(
        statusOf(idOf("1-2")),
        QString::fromStdString(std::string(mamori::names::device::kStatusBlocked)), kWaitMs);
    QCOMPARE(authorized(path), QStringLiteral("0"));
}

void ApprovalPopupTest::aDismissedQuestionBlocks() {
    QSignalSpy decided(&tray_->prompt(), &DeviceApprovalPrompt::decided);
    plug(device("1-3", 0x5581, "Ultra Fit", {kStorage}));
    const ReceivedNotification question = waitForQuestion(QStringLiteral("Ultra Fit"));
    QTest::qWait(kPastGuardMs);
    server_->close(question.id, 1); // expired
    QTRY_COMPARE_WITH_TIMEOUT(
        statusOf(idOf("1-3")),
        QString::fromStdString(std::string(mamori::names::device::kStatusBlocked)), kWaitMs);
    QCOMPARE(decided.count(), 1);
    QCOMPARE(decided.at(0).at(1).value<ApprovalDecision>(), ApprovalDecision::Block);
    QCOMPARE(decided.at(0).at(2).toString(), QStringLiteral("dismissed"));
}

void ApprovalPopupTest::withoutButtonsInNotificationsADialogAsks() {
    server_->setCapabilities({QStringLiteral("body")});
    QSignalSpy prompted(&tray_->prompt(), &DeviceApprovalPrompt::prompted);
    const auto path = plug(device("1-4", 0x7523, "Fast Charger Pro", {kStorage, kKeyboard}));
    QTRY_VERIFY_WITH_TIMEOUT(tray_->prompt().dialogFor(idOf("1-4")) != nullptr, kWaitMs);
    DeviceApprovalDialog* dialog = tray_->prompt().dialogFor(idOf("1-4"));
    QVERIFY(prompted.count() >= 1);
    QCOMPARE(prompted.last().at(1).toBool(), true);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    // Block is ready at once and the default; the approving buttons wake up after the guard.
    QVERIFY(dialog->button(ApprovalDecision::Block)->isEnabled());
    QVERIFY(dialog->button(ApprovalDecision::Block)->isDefault());
    QVERIFY(!dialog->button(ApprovalDecision::AllowOnce)->isEnabled());
    QVERIFY(!dialog->button(ApprovalDecision::AlwaysAllow)->isEnabled());
    QTest::mouseClick(dialog->button(ApprovalDecision::AllowOnce), Qt::LeftButton);
    QCOMPARE(authorized(path), QStringLiteral("0"));
    QTRY_VERIFY_WITH_TIMEOUT(dialog->button(ApprovalDecision::AllowOnce)->isEnabled(), kWaitMs);
    QVERIFY(dialog->findChild<QWidget*>(QStringLiteral("warning")) != nullptr);
    const QImage shot = dialog->grab().toImage();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.save(screenshotDir() + QStringLiteral("/approval-dialog.png")));

    QTest::mouseClick(dialog->button(ApprovalDecision::AllowOnce), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(authorized(path), QStringLiteral("1"), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(tray_->prompt().dialogFor(idOf("1-4")) == nullptr, kWaitMs);
    QCOMPARE(server_->countAbout(QStringLiteral("Fast Charger Pro")), 0);
    server_->setCapabilities({QStringLiteral("actions"), QStringLiteral("body")});
}

void ApprovalPopupTest::pausedPromptsAskNothingUntilResumed() {
    QAction* pause = nullptr;
    for (QAction* action : tray_->tray().menu().actions()) {
        if (action->text().contains(QStringLiteral("Pause"))) {
            pause = action;
        }
    }
    QVERIFY(pause != nullptr);
    pause->trigger();
    QVERIFY(tray_->prompt().paused());
    plug(device("1-5", 0x5591, "Extreme Go", {kStorage}));
    QTRY_COMPARE_WITH_TIMEOUT(
        statusOf(idOf("1-5")),
        QString::fromStdString(std::string(mamori::names::device::kStatusWaiting)), kWaitMs);
    QTest::qWait(kPastGuardMs);
    QCOMPARE(server_->countAbout(QStringLiteral("Extreme Go")), 0);

    pause->trigger();
    QVERIFY(!tray_->prompt().paused());
    const ReceivedNotification question = waitForQuestion(QStringLiteral("Extreme Go"));
    QTest::qWait(kPastGuardMs);
    server_->invokeAction(question.id, QStringLiteral("block"));
    QTRY_COMPARE_WITH_TIMEOUT(
        statusOf(idOf("1-5")),
        QString::fromStdString(std::string(mamori::names::device::kStatusBlocked)), kWaitMs);
}

void ApprovalPopupTest::sandboxViolationsBecomeRateLimitedNotifications() {
    // A program refused six times in a row under the real mamori-run, as nobody.
    programs_ = std::make_unique<TempDir>();
    fs::permissions(programs_->path(), static_cast<fs::perms>(0755));
    fs::copy_file(MAMORI_RUN_PATH, programs_->path() / "mamori-run");
    fs::copy_file(MAMORI_SYSCALL_PROBE_PATH, programs_->path() / "mamori_syscall_probe");
    std::ofstream(programs_->path() / "noptrace.profile")
        << "[Application]\nId=org.example.Noisy\n\n[Syscalls]\n"
           "Allow=@system-service;ioctl;prctl\nDeny=ptrace\nDenyAction=errno:EPERM\n";
    QSignalSpy posted(&tray_->events(), &EventNotifier::posted);
    mamori::test::Subprocess::Options options;
    options.argv = {(programs_->path() / "mamori-run").string(), "noptrace", "--",
                    (programs_->path() / "mamori_syscall_probe").string()};
    for (int i = 0; i < 6; ++i) {
        options.argv.emplace_back("ptrace");
    }
    options.argv.emplace_back("sleep=1000");
    options.env = {{"MAMORI_PROFILE_PATH", programs_->path().string()},
                   {"DBUS_SYSTEM_BUS_ADDRESS", harness_->address()}};
    options.uid = mamori::test::uidOf("nobody");
    mamori::test::Subprocess child(options);
    QCOMPARE(child.wait(), 0);
    const QString summary = QStringLiteral("org.example.Noisy was stopped");
    QTRY_COMPARE_WITH_TIMEOUT(server_->countAbout(summary), qsizetype(EventNotifier::kBurst),
                              kWaitMs);
    const auto shown = server_->latestAbout(summary).value();
    QVERIFY2(shown.body.contains(QStringLiteral("“ptrace”")), qPrintable(shown.body));
    QVERIFY2(shown.body.contains(QStringLiteral("Deny=ptrace (noptrace:")), qPrintable(shown.body));
    // Six refusals, three notifications: the rest held back within the minute.
    QTest::qWait(500);
    QCOMPARE(server_->countAbout(summary), qsizetype(EventNotifier::kBurst));
    QCOMPARE(posted.count(), int(EventNotifier::kBurst));
}

void ApprovalPopupTest::theDevicesPageDescribesAndDecidesDevices() {
    // The settings window over the devices the tests above plugged in.
    tray_->showSettings(SettingsWindow::Page::Devices);
    SettingsWindow* window = tray_->settings();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    DevicesPage* page = window->devicesPage();
    QAbstractItemModel* devices = page->devicesView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(devices->rowCount(), 5, kWaitMs);
    const int charger = rowWhere(*devices, Qt::DisplayRole, QStringLiteral("Fast Charger"));
    QVERIFY(charger >= 0);
    QCOMPARE(devices->index(charger, 3).data().toString(), QStringLiteral("blocked"));
    QCOMPARE(devices->index(charger, 6).data().toString(),
             QStringLiteral("keyboard next to other functions"));
    const int stick = rowWhere(*devices, Qt::DisplayRole, QStringLiteral("Cruzer Blade"));
    QCOMPARE(devices->index(stick, 3).data().toString(), QStringLiteral("allowed"));

    // A new device waiting, allowed from the page for its storage function only.
    tray_->prompt().setPaused(true);
    const auto path = plug(device("1-6", 0x7524, "Dock", {kStorage, kKeyboard}));
    QTRY_COMPARE_WITH_TIMEOUT(devices->rowCount(), 6, kWaitMs);
    const int dock = rowWhere(*devices, Qt::DisplayRole, QStringLiteral("Dock"));
    QTRY_COMPARE_WITH_TIMEOUT(devices->index(dock, 3).data().toString(),
                              QStringLiteral("waiting for you"), kWaitMs);
    page->devicesView()->selectSourceRow(dock);
    QTRY_COMPARE(page->interfaces()->count(), 2);
    QVERIFY(page->button(QStringLiteral("allowOnce"))->isEnabled());
    for (int i = 0; i < page->interfaces()->count(); ++i) {
        QListWidgetItem* item = page->interfaces()->item(i);
        item->setCheckState(item->text().startsWith(QStringLiteral("storage")) ? Qt::Checked
                                                                               : Qt::Unchecked);
    }
    QTest::qWait(300);
    const QImage shot = window->grab().toImage();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.save(screenshotDir() + QStringLiteral("/settings-devices.png")));
    QTest::mouseClick(page->button(QStringLiteral("allowInterfaces")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(devices->index(dock, 3).data().toString(),
                              QStringLiteral("partly allowed"), kWaitMs);
    QCOMPARE(QString::fromStdString(attribute(path + "/1-6:1.0", "authorized")),
             QStringLiteral("1"));
    QCOMPARE(QString::fromStdString(attribute(path + "/1-6:1.1", "authorized")),
             QStringLiteral("0"));
    QTRY_COMPARE_WITH_TIMEOUT(window->message(), QStringLiteral("Allowing the device: done."),
                              kWaitMs);
    tray_->prompt().setPaused(false);
    window->close();
}

void ApprovalPopupTest::theTrayFollowsTheService() {
    QTRY_COMPARE_WITH_TIMEOUT(tray_->tray().iconName(), QStringLiteral(":/icons/mamori.svg"),
                              kWaitMs);
    QVERIFY2(tray_->tray().toolTip().contains(QStringLiteral("Mamori protects this computer")),
             qPrintable(tray_->tray().toolTip()));
    QVERIFY2(tray_->tray().toolTip().contains(QStringLiteral("new devices ask first")),
             qPrintable(tray_->tray().toolTip()));
    harness_->stopDaemon(SIGTERM);
    QTRY_COMPARE_WITH_TIMEOUT(tray_->tray().iconName(), QStringLiteral(":/icons/mamori-off.svg"),
                              kWaitMs);
    QVERIFY2(tray_->tray().toolTip().contains(QStringLiteral("not running")),
             qPrintable(tray_->tray().toolTip()));
    harness_->startDaemon();
    QTRY_COMPARE_WITH_TIMEOUT(tray_->tray().iconName(), QStringLiteral(":/icons/mamori.svg"),
                              kWaitMs);
}

QTEST_MAIN(ApprovalPopupTest)
