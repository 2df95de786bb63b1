// The QtTest class of ServiceModelsTest.cpp (in a header so moc's output is a unit of its own).
#pragma once

#include <QObject>
#include <memory>
#include <vector>

class QAbstractItemModelTester;
class TempDir;

namespace mamori::test {
class SystemBusHarness;
} // namespace mamori::test

namespace mamori::gui {
class ServiceWatcher;
class ManagerState;
class SandboxState;
class FeatureModel;
class ProfileModel;
class SandboxModel;
class ViolationModel;
} // namespace mamori::gui

class ServiceModelsTest : public QObject {
    Q_OBJECT
public:
    ServiceModelsTest();
    ~ServiceModelsTest() override;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void kernelFeaturesAreListed_data();
    void kernelFeaturesAreListed();
    void anEngineCanBeSwitched();
    void profilesCanBeInstalledAndRemoved();
    void aRunningSandboxAndItsViolationsAreShown();

private:
    std::unique_ptr<mamori::test::SystemBusHarness> harness_;
    std::unique_ptr<TempDir> programs_;
    std::unique_ptr<mamori::gui::ServiceWatcher> service_;
    std::unique_ptr<mamori::gui::ManagerState> manager_;
    std::unique_ptr<mamori::gui::SandboxState> sandbox_;
    std::unique_ptr<mamori::gui::FeatureModel> features_;
    std::unique_ptr<mamori::gui::ProfileModel> profiles_;
    std::unique_ptr<mamori::gui::SandboxModel> sandboxes_;
    std::unique_ptr<mamori::gui::ViolationModel> violations_;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers_;
};
