// The QtTest class of DevicesModelsTest.cpp (in a header so moc's output is a unit of its own).
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <string>
#include <vector>

class QAbstractItemModelTester;
class UsbTestbed;
struct DeviceSpec;

namespace mamori::test {
class SystemBusHarness;
} // namespace mamori::test

namespace mamori::gui {
class ServiceWatcher;
class DevicesState;
class DeviceModel;
} // namespace mamori::gui

class DevicesModelsTest : public QObject {
    Q_OBJECT
public:
    DevicesModelsTest();
    ~DevicesModelsTest() override;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void aPluggedDeviceWaitsAndIsDescribedInWords();
    void authorizingThroughTheModelReachesTheKernel();
    void aKeyboardNextToStorageIsFlaggedAndCanBeBlocked();
    void aRefusedDecisionSaysNotAuthorized();
    void unpluggingRemovesTheRow();
    void theDefaultPolicyCanBeChanged();

private:
    std::string plug(const DeviceSpec& spec);
    int rowOf(const QString& id) const;
    QString statusOf(const QString& id) const;

    std::unique_ptr<mamori::test::SystemBusHarness> harness_;
    std::unique_ptr<UsbTestbed> testbed_;
    std::string hub_;
    std::unique_ptr<mamori::gui::ServiceWatcher> service_;
    std::unique_ptr<mamori::gui::DevicesState> devices_;
    std::unique_ptr<mamori::gui::DeviceModel> model_;
    std::unique_ptr<QAbstractItemModelTester> tester_;
    std::vector<std::string> plugged_;
};
