// The QtTest class of DnsModelsTest.cpp (in a header of its own so that moc's output is a
// separate translation unit).
#pragma once

#include "Subprocess.h"

#include <QObject>
#include <QString>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

class QAbstractItemModelTester;

namespace mamori::test {
class ResolverNetns;
class SystemBusHarness;
} // namespace mamori::test

namespace mamori::gui {
class ServiceWatcher;
class DnsState;
class ResolverModel;
class AppAssignmentModel;
class ExposureModel;
class DohAppModel;
} // namespace mamori::gui

class DnsModelsTest : public QObject {
    Q_OBJECT
public:
    DnsModelsTest();
    ~DnsModelsTest() override;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void resolversAreListed_data();
    void resolversAreListed();
    void assigningAnAppChangesItsRow();
    void aRefusedChangeSaysNotAuthorized();
    void exposureFollowsRealQueries();
    void appsDoingTheirOwnDohAreListed();
    void theServiceGoingAndComingBackIsFollowed();

private:
    QString effectiveTargetOf(const QString& app) const;
    mamori::test::RunResult inScope(const std::vector<std::string>& argv) const;

    std::unique_ptr<mamori::test::ResolverNetns> resolver_;
    std::unique_ptr<mamori::test::SystemBusHarness> harness_;
    std::filesystem::path cgroup_;
    std::unique_ptr<mamori::gui::ServiceWatcher> service_;
    std::unique_ptr<mamori::gui::DnsState> dns_;
    std::unique_ptr<mamori::gui::ResolverModel> resolvers_;
    std::unique_ptr<mamori::gui::AppAssignmentModel> apps_;
    std::unique_ptr<mamori::gui::ExposureModel> exposure_;
    std::unique_ptr<mamori::gui::DohAppModel> dohApps_;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers_;
};
