// The QtTest class of ApprovalPopupTest.cpp (in a header so moc's output is a unit of its own).
#pragma once

#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <string>

class TestNotificationServer;
class UsbTestbed;
class TempDir;
struct DeviceSpec;
struct ReceivedNotification;

namespace mamori::test {
class SystemBusHarness;
} // namespace mamori::test

namespace mamori::gui {
class TrayApplication;
} // namespace mamori::gui

class ApprovalPopupTest : public QObject {
    Q_OBJECT
public:
    ApprovalPopupTest();
    ~ApprovalPopupTest() override;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void aWaitingDeviceIsAskedAboutWithItsThreeAnswers();
    void anAnswerInTheFirstSecondIsIgnoredAndTheQuestionAskedAgain();
    void aKeyboardNextToStorageIsWarnedAboutAndBlocked();
    void aDismissedQuestionBlocks();
    void withoutButtonsInNotificationsADialogAsks();
    void pausedPromptsAskNothingUntilResumed();
    void sandboxViolationsBecomeRateLimitedNotifications();
    void theDevicesPageDescribesAndDecidesDevices();
    void theTrayFollowsTheService();

private:
    std::string plug(const DeviceSpec& spec);
    ReceivedNotification waitForQuestion(const QString& product, int atLeast = 1);
    QString authorized(const std::string& path) const;
    QString statusOf(const QString& id) const;

    std::unique_ptr<mamori::test::SystemBusHarness> harness_;
    std::unique_ptr<UsbTestbed> testbed_;
    std::unique_ptr<TestNotificationServer> server_;
    std::unique_ptr<TempDir> programs_;
    std::string hub_;
    std::map<std::string, std::string> paths_; // port -> sysfs path
    std::unique_ptr<mamori::gui::TrayApplication> tray_;
};
