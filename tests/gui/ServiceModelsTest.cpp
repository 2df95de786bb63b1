// gui/lib's About and Sandboxes models against the real mamorid on the private system bus
// with the real polkitd (SystemBusHarness): the kernel features its probe found on this
// machine, switching an engine, the administrator's profiles, and a program sandboxed by the
// real mamori-run (as nobody) listed while it runs, its refused call arriving as a violation.
// Needs root; skips with the reason otherwise.
#include "ServiceModelsTest.h"

#include "FeatureModel.h"
#include "ManagerState.h"
#include "ModelRows.h"
#include "ProfileModel.h"
#include "SandboxModel.h"
#include "SandboxState.h"
#include "ServiceWatcher.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"
#include "TempDir.h"
#include "ViolationModel.h"

#include <QAbstractItemModelTester>
#include <QDBusConnection>
#include <QDBusError>
#include <QSignalSpy>
#include <QTest>
#include <cerrno>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace mamori::gui;
using mamori::test::SystemBusHarness;

namespace {

constexpr int kWaitMs = 10000;

// What every test profile allows (the probe, its libc and threads) plus `extra` keys.
QString probeProfile(const QString& extra) {
    return QStringLiteral("[Application]\nId=org.example.GuiProbe\n\n[Syscalls]\n"
                          "Allow=@system-service;ioctl;prctl\n") +
           extra;
}

} // namespace

ServiceModelsTest::ServiceModelsTest() = default;
ServiceModelsTest::~ServiceModelsTest() = default;

void ServiceModelsTest::initTestCase() {
    if (const auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    harness_ = std::make_unique<SystemBusHarness>();
    harness_->startDaemon();
    // nobody must reach the programs: copies in a world-readable directory.
    programs_ = std::make_unique<TempDir>();
    fs::permissions(programs_->path(), static_cast<fs::perms>(0755));
    fs::copy_file(MAMORI_RUN_PATH, programs_->path() / "mamori-run");
    fs::copy_file(MAMORI_SYSCALL_PROBE_PATH, programs_->path() / "mamori_syscall_probe");

    QDBusConnection bus = QDBusConnection::connectToBus(QString::fromStdString(harness_->address()),
                                                        QStringLiteral("mamori-service-test"));
    QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
    service_ = std::make_unique<ServiceWatcher>(bus);
    manager_ = std::make_unique<ManagerState>(*service_);
    sandbox_ = std::make_unique<SandboxState>(*service_);
    features_ = std::make_unique<FeatureModel>(*manager_);
    profiles_ = std::make_unique<ProfileModel>(*sandbox_);
    sandboxes_ = std::make_unique<SandboxModel>(*sandbox_);
    violations_ = std::make_unique<ViolationModel>(*sandbox_);
    for (QAbstractItemModel* model : std::initializer_list<QAbstractItemModel*>{
             features_.get(), profiles_.get(), sandboxes_.get(), violations_.get()}) {
        testers_.push_back(std::make_unique<QAbstractItemModelTester>(
            model, QAbstractItemModelTester::FailureReportingMode::QtTest));
    }
    QTRY_VERIFY_WITH_TIMEOUT(manager_->loaded() && sandbox_->loaded(), kWaitMs);
}

void ServiceModelsTest::cleanupTestCase() {
    testers_.clear();
    violations_.reset();
    sandboxes_.reset();
    profiles_.reset();
    features_.reset();
    sandbox_.reset();
    manager_.reset();
    service_.reset();
    QDBusConnection::disconnectFromBus(QStringLiteral("mamori-service-test"));
    harness_.reset();
    programs_.reset();
}

// This machine's kernel (see DESIGN.md): uprobes and XDP yes, the patched program types no.
void ServiceModelsTest::kernelFeaturesAreListed_data() {
    QTest::addColumn<QString>("feature");
    QTest::addColumn<bool>("available");
    QTest::addColumn<QString>("detailMentions");
    QTest::newRow("uprobe") << "uprobe" << true << "";
    QTest::newRow("xdp") << "xdp" << true << "";
    QTest::newRow("lbm") << "lbm" << false << "LBM patch";
    QTest::newRow("seccomp_ebpf") << "seccomp_ebpf" << false << "seccomp-eBPF patch";
}

void ServiceModelsTest::kernelFeaturesAreListed() {
    QFETCH(QString, feature);
    QFETCH(bool, available);
    QFETCH(QString, detailMentions);
    const int row = rowWhere(*features_, FeatureModel::NameRole, feature);
    QVERIFY2(row >= 0, qPrintable(feature));
    const QModelIndex index = features_->index(row, 0);
    QCOMPARE(index.data(FeatureModel::AvailableRole).toBool(), available);
    QVERIFY2(index.data(FeatureModel::DetailRole).toString().contains(detailMentions),
             qPrintable(index.data(FeatureModel::DetailRole).toString()));
    QVERIFY(!manager_->daemonVersion().isEmpty());
}

void ServiceModelsTest::anEngineCanBeSwitched() {
    const QString sandbox = QStringLiteral("sandbox");
    const bool before = manager_->engines().value(sandbox);
    QSignalSpy succeeded(manager_.get(), &ManagerState::actionSucceeded);
    manager_->setEngineEnabled(sandbox, !before);
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(manager_->engines().value(sandbox), !before, kWaitMs);
    manager_->setEngineEnabled(sandbox, before);
    QTRY_COMPARE_WITH_TIMEOUT(manager_->engines().value(sandbox), before, kWaitMs);
    QSignalSpy failed(manager_.get(), &ManagerState::actionFailed);
    manager_->setEngineEnabled(QStringLiteral("vpn"), true);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWaitMs);
    QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("vpn")),
             qPrintable(failed.first().at(1).toString()));
}

void ServiceModelsTest::profilesCanBeInstalledAndRemoved() {
    QSignalSpy succeeded(sandbox_.get(), &SandboxState::actionSucceeded);
    sandbox_->installProfile(QStringLiteral("gui-test"), probeProfile(QString()));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        rowWhere(*profiles_, ProfileModel::NameRole, QStringLiteral("gui-test")) >= 0, kWaitMs);
    const int row = rowWhere(*profiles_, ProfileModel::NameRole, QStringLiteral("gui-test"));
    QCOMPARE(profiles_->index(row, 0).data(ProfileModel::AppRole).toString(),
             QStringLiteral("org.example.GuiProbe"));

    QSignalSpy failed(sandbox_.get(), &SandboxState::actionFailed);
    sandbox_->installProfile(QStringLiteral("broken"),
                             QStringLiteral("[Application]\nId=org.example.Broken\n[Syscalls]\n"
                                            "Allow=not_a_syscall\n"));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWaitMs);
    const QString message = failed.first().at(1).toString();
    QVERIFY2(message.contains(QStringLiteral("not_a_syscall")), qPrintable(message));
    QCOMPARE(rowWhere(*profiles_, ProfileModel::NameRole, QStringLiteral("broken")), -1);

    sandbox_->removeProfile(QStringLiteral("gui-test"));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 2, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        rowWhere(*profiles_, ProfileModel::NameRole, QStringLiteral("gui-test")), -1, kWaitMs);
}

void ServiceModelsTest::aRunningSandboxAndItsViolationsAreShown() {
    std::ofstream(programs_->path() / "noptrace.profile")
        << probeProfile(QStringLiteral("Deny=ptrace\nDenyAction=errno:EROFS\n")).toStdString();
    mamori::test::Subprocess::Options options;
    const auto probe = (programs_->path() / "mamori_syscall_probe").string();
    options.argv = {(programs_->path() / "mamori-run").string(),
                    "noptrace",
                    "--",
                    probe,
                    "ptrace",
                    "sleep=1500"};
    options.env = {{"MAMORI_PROFILE_PATH", programs_->path().string()},
                   {"DBUS_SYSTEM_BUS_ADDRESS", harness_->address()}};
    options.uid = mamori::test::uidOf("nobody");
    mamori::test::Subprocess child(options);

    QTRY_VERIFY_WITH_TIMEOUT((sandbox_->refresh(), sandboxes_->rowCount() == 1), kWaitMs);
    const QModelIndex running = sandboxes_->index(0, 0);
    QCOMPARE(running.data(SandboxModel::ProfileRole).toString(), QStringLiteral("noptrace"));
    QCOMPARE(running.data(SandboxModel::AppRole).toString(),
             QStringLiteral("org.example.GuiProbe"));
    QCOMPARE(running.data(SandboxModel::PidRole).toUInt(), static_cast<uint>(child.pid()));
    QCOMPARE(running.data(SandboxModel::UidRole).toUInt(), mamori::test::uidOf("nobody"));

    QTRY_VERIFY_WITH_TIMEOUT(violations_->rowCount() >= 1, kWaitMs);
    const QModelIndex violation = violations_->index(0, 0);
    QCOMPARE(violation.data(ViolationModel::SyscallRole).toString(), QStringLiteral("ptrace"));
    QCOMPARE(violation.data(ViolationModel::ActionRole).toString(), QStringLiteral("errno:EROFS"));
    QCOMPARE(violation.data(ViolationModel::AppRole).toString(),
             QStringLiteral("org.example.GuiProbe"));
    QVERIFY2(violation.data(ViolationModel::RuleRole)
                 .toString()
                 .contains(QStringLiteral("Deny=ptrace (noptrace:")),
             qPrintable(violation.data(ViolationModel::RuleRole).toString()));
    QVERIFY(violation.data(ViolationModel::SeenRole).toDateTime().isValid());

    QCOMPARE(child.wait(), 0);
    QTRY_VERIFY_WITH_TIMEOUT((sandbox_->refresh(), sandboxes_->rowCount() == 0), kWaitMs);
}

QTEST_GUILESS_MAIN(ServiceModelsTest)
