// gui/lib's DNS models against the real mamorid: a private system bus with the real polkitd
// (SystemBusHarness), the DNS engine steering a cgroup of the test's own, and a real unbound in
// a network namespace (ResolverNetns 3: plain DNS on 10.53.3.2) that answers the queries the
// test sends through Mamori's stub. Every model is checked with QAbstractItemModelTester.
// Needs root, dbus-daemon, polkitd, unbound, ip, dig and curl; skips with the reason otherwise.
#include "DnsModelsTest.h"

#include "AppAssignmentModel.h"
#include "AppScope.h"
#include "DnsState.h"
#include "DohAppModel.h"
#include "ExposureModel.h"
#include "GuiProbeCopy.h"
#include "ModelRows.h"
#include "ResolverModel.h"
#include "ResolverNetns.h"
#include "ServiceWatcher.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"

#include <QAbstractItemModelTester>
#include <QDBusConnection>
#include <QDBusError>
#include <QSignalSpy>
#include <QTest>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace mamori::gui;
using mamori::test::ResolverNetns;
using mamori::test::SystemBusHarness;

namespace {

constexpr const char* kScope = "app-gnome-org.example.Gui-1.scope";
constexpr const char* kApp = "org.example.Gui";
constexpr int kWaitMs = 10000;

} // namespace

DnsModelsTest::DnsModelsTest() = default;
DnsModelsTest::~DnsModelsTest() = default;

void DnsModelsTest::initTestCase() {
    if (const auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    if (const auto reason = ResolverNetns::skipReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    for (const char* tool : {"/usr/bin/dig", "/usr/bin/curl"}) {
        if (!fs::exists(tool)) {
            QSKIP((std::string(tool) + " is missing (bind9-dnsutils, curl)").c_str());
        }
    }
    const fs::path cgroupRoot = cgroupV2Mount();
    if (cgroupRoot.empty()) {
        QSKIP("cgroup v2 is not mounted");
    }
    resolver_ = std::make_unique<ResolverNetns>(3);
    harness_ = std::make_unique<SystemBusHarness>();
    cgroup_ = cgroupRoot / ("mamori-gui-test-" + std::to_string(::getpid()));
    fs::create_directories(cgroup_ / kScope);
    writeDnsTestConfig(harness_->configDir(), resolver_->address(), cgroup_);
    harness_->startDaemon();

    const QString address = QString::fromStdString(harness_->address());
    QDBusConnection bus = QDBusConnection::connectToBus(address, QStringLiteral("mamori-test"));
    QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
    service_ = std::make_unique<ServiceWatcher>(bus);
    dns_ = std::make_unique<DnsState>(*service_);
    resolvers_ = std::make_unique<ResolverModel>(*dns_);
    apps_ = std::make_unique<AppAssignmentModel>(*dns_);
    exposure_ = std::make_unique<ExposureModel>(*dns_);
    dohApps_ = std::make_unique<DohAppModel>(*dns_);
    for (QAbstractItemModel* model : std::initializer_list<QAbstractItemModel*>{
             resolvers_.get(), apps_.get(), exposure_.get(), dohApps_.get()}) {
        testers_.push_back(std::make_unique<QAbstractItemModelTester>(
            model, QAbstractItemModelTester::FailureReportingMode::QtTest));
    }
    QTRY_VERIFY_WITH_TIMEOUT(service_->running(), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(dns_->loaded(), kWaitMs);
}

void DnsModelsTest::cleanupTestCase() {
    testers_.clear();
    dohApps_.reset();
    exposure_.reset();
    apps_.reset();
    resolvers_.reset();
    dns_.reset();
    service_.reset();
    QDBusConnection::disconnectFromBus(QStringLiteral("mamori-test"));
    harness_.reset(); // mamorid first: it detaches from the cgroup
    std::error_code ignored;
    fs::remove(cgroup_ / kScope, ignored);
    fs::remove(cgroup_, ignored);
    resolver_.reset();
}

void DnsModelsTest::resolversAreListed_data() {
    QTest::addColumn<QString>("id");
    QTest::addColumn<int>("role");
    QTest::addColumn<QVariant>("expected");
    QTest::newRow("name") << "r3" << int(ResolverModel::NameRole) << QVariant("Plain resolver");
    QTest::newRow("address") << "r3" << int(ResolverModel::AddressRole)
                             << QVariant(QStringLiteral("10.53.3.2"));
    QTest::newRow("port") << "r3" << int(ResolverModel::PortRole) << QVariant(quint16(53));
    QTest::newRow("protocol") << "r3" << int(ResolverModel::ProtocolRole)
                              << QVariant(QStringLiteral("do53"));
    QTest::newRow("default") << "r3" << int(ResolverModel::IsDefaultRole) << QVariant(true);
    QTest::newRow("not default") << "quiet" << int(ResolverModel::IsDefaultRole) << QVariant(false);
    QTest::newRow("in shard") << "quiet" << int(ResolverModel::InShardRole) << QVariant(true);
    QTest::newRow("display") << "quiet" << int(Qt::DisplayRole) << QVariant("Nobody home");
}

void DnsModelsTest::resolversAreListed() {
    QFETCH(QString, id);
    QFETCH(int, role);
    QFETCH(QVariant, expected);
    QCOMPARE(resolvers_->rowCount(), 2);
    const int row = rowWhere(*resolvers_, ResolverModel::IdRole, id);
    QVERIFY2(row >= 0, qPrintable(id));
    QCOMPARE(resolvers_->index(row, 0).data(role), expected);
}

QString DnsModelsTest::effectiveTargetOf(const QString& app) const {
    const int row = rowWhere(*apps_, AppAssignmentModel::AppRole, app);
    return row < 0 ? QString()
                   : apps_->index(row, 0).data(AppAssignmentModel::EffectiveTargetRole).toString();
}

void DnsModelsTest::assigningAnAppChangesItsRow() {
    QSignalSpy succeeded(dns_.get(), &DnsState::actionSucceeded);
    dns_->setAssignment(QString::fromLatin1(kApp), QStringLiteral("quiet"));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(effectiveTargetOf(QString::fromLatin1(kApp)), QStringLiteral("quiet"),
                              kWaitMs);
    const int row = rowWhere(*apps_, AppAssignmentModel::AppRole, QString::fromLatin1(kApp));
    QCOMPARE(apps_->index(row, 0).data(AppAssignmentModel::AssignedTargetRole).toString(),
             QStringLiteral("quiet"));
    // The service really has it: mamorictl, a separate client, agrees.
    const auto status = harness_->mamorictl({"dns", "status"});
    QVERIFY2(status.out.find(kApp) != std::string::npos, status.out.c_str());

    apps_->assign(row, QString()); // back to the default
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 2, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        rowWhere(*apps_, AppAssignmentModel::AppRole, QString::fromLatin1(kApp)), -1,
        kWaitMs); // assigned only, never seen: gone
}

void DnsModelsTest::aRefusedChangeSaysNotAuthorized() {
    const GuiProbeCopy probe(GUI_PROBE_PATH); // nobody must reach it
    const auto result = harness_->run({probe.path().string(), "set-assignment", kApp, "quiet"},
                                      mamori::test::uidOf("nobody"));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.out.rfind("failed: Not authorized: ", 0) == 0, result.out.c_str());
    QTest::qWait(300);
    QCOMPARE(rowWhere(*apps_, AppAssignmentModel::AppRole, QString::fromLatin1(kApp)), -1);
}

mamori::test::RunResult DnsModelsTest::inScope(const std::vector<std::string>& argv) const {
    return runInScope(cgroup_ / kScope, argv);
}

void DnsModelsTest::exposureFollowsRealQueries() {
    for (const char* name : {"www.alpha.test", "mail.alpha.test", "www.beta.test"}) {
        // Any resolver address: the engine steers it to its stub, then to r3.
        const auto result =
            inScope({"/usr/bin/dig", "@192.0.2.53", name, "A", "+short", "+tries=1", "+time=3"});
        QVERIFY2(result.exitCode == 0,
                 (result.out + result.err + harness_->daemonLogText()).c_str());
        QCOMPARE(QString::fromStdString(result.out).trimmed(),
                 QString::fromStdString(resolver_->expectedA()));
    }
    const auto rowOfR3 = [this] {
        return rowWhere(*exposure_, ExposureModel::ResolverRole, QStringLiteral("r3"));
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        (dns_->refresh(),
         rowOfR3() >= 0 &&
             exposure_->index(rowOfR3(), 0).data(ExposureModel::QueriesRole).toULongLong() >= 3),
        kWaitMs);
    const QModelIndex r3 = exposure_->index(rowOfR3(), 0);
    QCOMPARE(r3.data(ExposureModel::SourceRole).toString(), QStringLiteral("mamori"));
    QCOMPARE(r3.data(ExposureModel::DomainsRole).toULongLong(), 2ULL);
    QVERIFY(r3.data(ExposureModel::BitsRole).toDouble() > 0.5);
    QCOMPARE(r3.data(ExposureModel::OverThresholdRole).toBool(), false);
    QTRY_VERIFY_WITH_TIMEOUT(
        rowWhere(*apps_, AppAssignmentModel::AppRole, QString::fromLatin1(kApp)) >= 0, kWaitMs);

    // A threshold below what r3 learned: over it, and the warning arrives as a signal.
    QSignalSpy thresholdChanged(exposure_.get(), &ExposureModel::thresholdChanged);
    QSignalSpy warned(dns_.get(), &DnsState::exposureWarning);
    dns_->setExposureThreshold(0.5);
    QTRY_COMPARE_WITH_TIMEOUT(exposure_->threshold(), 0.5, kWaitMs);
    QVERIFY(thresholdChanged.count() >= 1);
    QTRY_VERIFY_WITH_TIMEOUT(
        exposure_->index(rowOfR3(), 0).data(ExposureModel::OverThresholdRole).toBool(), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(warned.count() >= 1, kWaitMs);
    QCOMPARE(warned.first().at(0).toString(), QStringLiteral("r3"));

    dns_->resetExposure(QStringLiteral("r3"));
    QTRY_COMPARE_WITH_TIMEOUT(rowOfR3(), -1, kWaitMs);
}

void DnsModelsTest::appsDoingTheirOwnDohAreListed() {
    // r3 also serves DoH on port 443; its address is a configured resolver, so a connection
    // there counts as the app's own DoH, seen by destination (curl's content does not matter).
    inScope({"/usr/bin/curl", "-sk", "-m", "5", "-o", "/dev/null",
             "https://" + resolver_->address() + "/"});
    const auto row = [this] {
        return rowWhere(*dohApps_, DohAppModel::AppRole, QString::fromLatin1(kApp));
    };
    QTRY_VERIFY_WITH_TIMEOUT((dns_->refresh(), row() >= 0), kWaitMs);
    const QModelIndex index = dohApps_->index(row(), 0);
    QCOMPARE(index.data(DohAppModel::ServerRole).toString(),
             QString::fromStdString(resolver_->address()));
    QCOMPARE(index.data(DohAppModel::SeenByRole).toString(), QStringLiteral("destination"));
    QCOMPARE(index.data(DohAppModel::ReadableRole).toBool(), false);
    QVERIFY(index.data(DohAppModel::ConnectionsRole).toULongLong() >= 1);
}

void DnsModelsTest::theServiceGoingAndComingBackIsFollowed() {
    QSignalSpy runningChanged(service_.get(), &ServiceWatcher::runningChanged);
    QCOMPARE(harness_->stopDaemon(SIGTERM), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!service_->running(), kWaitMs);
    QCOMPARE(resolvers_->rowCount(), 0);
    QVERIFY(!dns_->loaded());
    harness_->startDaemon();
    QTRY_VERIFY_WITH_TIMEOUT(service_->running(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(resolvers_->rowCount(), 2, kWaitMs);
    QCOMPARE(runningChanged.count(), 2);
}

QTEST_GUILESS_MAIN(DnsModelsTest)
