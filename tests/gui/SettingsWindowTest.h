// The QtTest class of SettingsWindowTest.cpp (in a header so moc's output is a unit of its own).
#pragma once

#include <QObject>
#include <QString>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace mamori::test {
class ResolverNetns;
class SystemBusHarness;
struct RunResult;
} // namespace mamori::test

class TestNotificationServer;

namespace mamori::gui {
class DesktopNotifications;
class EventNotifier;
struct ServiceStates;
class SettingsWindow;
} // namespace mamori::gui

class SettingsWindowTest : public QObject {
    Q_OBJECT
public:
    SettingsWindowTest();
    ~SettingsWindowTest() override;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void theDnsPageShowsResolversAppsAndWhatTheyLearned();
    void anExposureWarningBecomesANotification();
    void assigningAResolverOnThePageReachesTheService();
    void aRefusedChangeIsNamedInTheWindow();
    void theAboutPageShowsFeaturesAndEngines();
    void everyPageRenders_data();
    void everyPageRenders();
    void everyControlHasANameForScreenReaders();
    void theServiceGoingAwayIsShown();

private:
    mamori::test::RunResult inScope(const std::vector<std::string>& argv) const;

    std::unique_ptr<mamori::test::ResolverNetns> resolver_;
    std::unique_ptr<mamori::test::SystemBusHarness> harness_;
    std::filesystem::path cgroup_;
    std::unique_ptr<mamori::gui::ServiceStates> states_;
    std::unique_ptr<mamori::gui::SettingsWindow> window_;
    std::unique_ptr<TestNotificationServer> notificationServer_;
    std::unique_ptr<mamori::gui::DesktopNotifications> notifications_;
    std::unique_ptr<mamori::gui::EventNotifier> events_;
};
