// gui/lib's devices models against the real mamorid: a umockdev testbed plays the kernel's USB
// side (sysfs, `authorized` files, uevents), mamorid runs under the same LD_PRELOAD on the
// private system bus with the real polkitd (SystemBusHarness). Runs under umockdev-wrapper
// (see CMakeLists.txt); needs root for polkitd and the bus; skips with the reason otherwise.
#include "DevicesModelsTest.h"

#include "DeviceModel.h"
#include "DevicesState.h"
#include "GuiProbeCopy.h"
#include "ServiceWatcher.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"
#include "UsbTestbed.h"
#include "common/Names.h"

#include <QAbstractItemModelTester>
#include <QDBusConnection>
#include <QDBusError>
#include <QSignalSpy>
#include <QTest>
#include <cstdlib>
#include <fstream>
#include <string_view>

using namespace mamori::gui;
using mamori::test::SystemBusHarness;

namespace {

constexpr int kWaitMs = 10000;
// Device ids as mamorid derives them from the port ("1-1" -> usb_1_1).
const QString kStickId = QStringLiteral("usb_1_1");
const QString kChargerId = QStringLiteral("usb_1_2");

DeviceSpec stick() {
    DeviceSpec spec;
    spec.name = "1-1";
    spec.idVendor = 0x0781;
    spec.idProduct = 0x5567;
    spec.serial = "4C530001230423114551";
    spec.product = "Cruzer Blade";
    spec.interfaces = {kStorage};
    return spec;
}

// The LBM paper's BadUSB "charger": storage plus a boot keyboard.
DeviceSpec charger() {
    DeviceSpec spec;
    spec.name = "1-2";
    spec.idVendor = 0x1a86;
    spec.idProduct = 0x7523;
    spec.product = "Fast Charger";
    spec.interfaces = {kStorage, kKeyboard};
    return spec;
}

QString qt(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

} // namespace

DevicesModelsTest::DevicesModelsTest() = default;
DevicesModelsTest::~DevicesModelsTest() = default;

void DevicesModelsTest::initTestCase() {
    if (const auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
        QSKIP(reason.c_str());
    }
    if (!umockdevPreloaded()) {
        QSKIP("needs umockdev's LD_PRELOAD: run under umockdev-wrapper (ctest does)");
    }
    harness_ = std::make_unique<SystemBusHarness>();
    // A fresh testbed sets UMOCKDEV_DIR, which mamorid inherits.
    testbed_ = std::make_unique<UsbTestbed>();
    hub_ = testbed_->addRootHub(1);
    std::ofstream(harness_->configDir() / "mamori.conf")
        << "[Engines]\ndevices=true\n[Devices]\nDefaultPolicy=ask\n";
    harness_->startDaemon();

    QDBusConnection bus = QDBusConnection::connectToBus(QString::fromStdString(harness_->address()),
                                                        QStringLiteral("mamori-devices-test"));
    QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
    service_ = std::make_unique<ServiceWatcher>(bus);
    devices_ = std::make_unique<DevicesState>(*service_);
    model_ = std::make_unique<DeviceModel>(*service_, *devices_);
    tester_ = std::make_unique<QAbstractItemModelTester>(
        model_.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(devices_->loaded(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(attribute(hub_, "authorized_default")),
                              QStringLiteral("0"), kWaitMs);
}

void DevicesModelsTest::cleanupTestCase() {
    tester_.reset();
    model_.reset();
    devices_.reset();
    service_.reset();
    QDBusConnection::disconnectFromBus(QStringLiteral("mamori-devices-test"));
    harness_.reset();
    testbed_.reset();
}

std::string DevicesModelsTest::plug(const DeviceSpec& spec) {
    return testbed_->plug(hub_, spec);
}

int DevicesModelsTest::rowOf(const QString& id) const {
    return model_->rowOf(id);
}

QString DevicesModelsTest::statusOf(const QString& id) const {
    const int row = rowOf(id);
    return row < 0 ? QString() : model_->index(row, 0).data(DeviceModel::StatusRole).toString();
}

void DevicesModelsTest::aPluggedDeviceWaitsAndIsDescribedInWords() {
    QSignalSpy waiting(devices_.get(), &DevicesState::deviceWaiting);
    plugged_.push_back(plug(stick()));
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(kStickId) >= 0, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(kStickId), qt(mamori::names::device::kStatusWaiting),
                              kWaitMs);
    const QModelIndex index = model_->index(rowOf(kStickId), 0);
    QCOMPARE(index.data(DeviceModel::NameRole).toString(), QStringLiteral("Cruzer Blade"));
    QCOMPARE(index.data(DeviceModel::VendorIdRole).toUInt(), 0x0781U);
    QCOMPARE(index.data(DeviceModel::InterfaceWordsRole).toStringList(),
             QStringList{QStringLiteral("storage")});
    QCOMPARE(index.data(DeviceModel::KeyboardWithOthersRole).toBool(), false);
    QCOMPARE(index.data(DeviceModel::PortRole).toString(), QStringLiteral("1-1"));
    QVERIFY2(index.data(DeviceModel::SerialRole).toString().endsWith(QStringLiteral("4551")),
             "the last four of the serial");
    QVERIFY(!index.data(DeviceModel::SerialRole).toString().contains(QStringLiteral("4C53")));
    QVERIFY(index.data(DeviceModel::ConnectTimeRole).toDateTime().isValid());
    QTRY_COMPARE_WITH_TIMEOUT(waiting.count(), 1, kWaitMs);
    QCOMPARE(waiting.first().at(0).toString(), kStickId);
}

void DevicesModelsTest::authorizingThroughTheModelReachesTheKernel() {
    QSignalSpy succeeded(devices_.get(), &DevicesState::actionSucceeded);
    model_->authorize(rowOf(kStickId), qt(mamori::names::device::kScopeOnce));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(kStickId), qt(mamori::names::device::kStatusAuthorized),
                              kWaitMs);
    QCOMPARE(attribute(plugged_.front(), "authorized"), std::string("1"));
    QCOMPARE(model_->index(rowOf(kStickId), 0).data(DeviceModel::DecidedByRole).toString(),
             QStringLiteral("user"));
}

void DevicesModelsTest::aKeyboardNextToStorageIsFlaggedAndCanBeBlocked() {
    plugged_.push_back(plug(charger()));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(kChargerId), qt(mamori::names::device::kStatusWaiting),
                              kWaitMs);
    const QModelIndex index = model_->index(rowOf(kChargerId), 0);
    QCOMPARE(index.data(DeviceModel::KeyboardWithOthersRole).toBool(), true);
    QCOMPARE(index.data(DeviceModel::InterfaceWordsRole).toStringList(),
             (QStringList{QStringLiteral("storage"), QStringLiteral("keyboard")}));
    QSignalSpy succeeded(devices_.get(), &DevicesState::actionSucceeded);
    model_->block(rowOf(kChargerId), qt(mamori::names::device::kScopeOnce));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(kChargerId), qt(mamori::names::device::kStatusBlocked),
                              kWaitMs);
    QCOMPARE(attribute(plugged_.back(), "authorized"), std::string("0"));
}

void DevicesModelsTest::aRefusedDecisionSaysNotAuthorized() {
    const GuiProbeCopy probe(GUI_PROBE_PATH); // nobody must reach it
    const auto result =
        harness_->run({probe.path().string(), "authorize", kChargerId.toStdString(), "once"},
                      mamori::test::uidOf("nobody"));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.out.rfind("failed: Not authorized: ", 0) == 0, result.out.c_str());
    QTest::qWait(300);
    QCOMPARE(statusOf(kChargerId), qt(mamori::names::device::kStatusBlocked));
    QCOMPARE(attribute(plugged_.back(), "authorized"), std::string("0"));
}

void DevicesModelsTest::unpluggingRemovesTheRow() {
    const int before = model_->rowCount();
    testbed_->uevent(plugged_.back(), "remove");
    testbed_->remove(plugged_.back());
    plugged_.pop_back();
    QTRY_COMPARE_WITH_TIMEOUT(rowOf(kChargerId), -1, kWaitMs);
    QCOMPARE(model_->rowCount(), before - 1);
}

void DevicesModelsTest::theDefaultPolicyCanBeChanged() {
    QCOMPARE(devices_->defaultPolicy(), QStringLiteral("ask"));
    QSignalSpy succeeded(devices_.get(), &DevicesState::actionSucceeded);
    devices_->setDefaultPolicy(QStringLiteral("block"));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(devices_->defaultPolicy(), QStringLiteral("block"), kWaitMs);
    QSignalSpy failed(devices_.get(), &DevicesState::actionFailed);
    devices_->setDefaultPolicy(QStringLiteral("sometimes"));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWaitMs);
    QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("sometimes")),
             qPrintable(failed.first().at(1).toString()));
    QCOMPARE(devices_->defaultPolicy(), QStringLiteral("block"));
}

QTEST_GUILESS_MAIN(DevicesModelsTest)
