#include "SandboxesPage.h"

#include "LearnProfileDialog.h"
#include "SandboxState.h"
#include "TableView.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QPushButton>
#include <QVBoxLayout>

namespace mamori::gui {

SandboxesPage::SandboxesPage(SandboxState& sandbox, QWidget* parent)
    : QWidget(parent)
    , sandbox_(sandbox)
    , profileModel_(sandbox)
    , sandboxModel_(sandbox)
    , violationModel_(sandbox) {
    auto* layout = new QVBoxLayout(this);

    auto* profilesBox = new QGroupBox(tr("Profiles for every user"), this);
    auto* profilesLayout = new QVBoxLayout(profilesBox);
    profilesView_ = new TableView(
        profileModel_,
        {{tr("Profile"), ProfileModel::NameRole, {}}, {tr("App"), ProfileModel::AppRole, {}}},
        tr("Profiles for every user"), profilesBox);
    profilesLayout->addWidget(profilesView_);
    auto* profileRow = new QHBoxLayout;
    auto* install = new QPushButton(tr("&Install a profile from a file…"), profilesBox);
    remove_ = new QPushButton(tr("&Remove the selected profile"), profilesBox);
    remove_->setEnabled(false);
    auto* learnButton = new QPushButton(tr("&Learn a profile…"), profilesBox);
    learnButton->setToolTip(
        tr("Runs a program once, records what it needs, and writes a profile for it"));
    profileRow->addWidget(install);
    profileRow->addWidget(remove_);
    profileRow->addStretch(1);
    profileRow->addWidget(learnButton);
    profilesLayout->addLayout(profileRow);
    layout->addWidget(profilesBox);
    connect(install, &QPushButton::clicked, this, &SandboxesPage::installFromFile);
    connect(learnButton, &QPushButton::clicked, this, &SandboxesPage::learn);
    connect(profilesView_, &TableView::selectedRowChanged, this,
            [this](int row) { remove_->setEnabled(row >= 0); });
    connect(remove_, &QPushButton::clicked, this, [this] {
        const int row = profilesView_->selectedSourceRow();
        if (row >= 0) {
            sandbox_.removeProfile(
                profileModel_.index(row, 0).data(ProfileModel::NameRole).toString());
        }
    });

    auto* runningBox = new QGroupBox(tr("Running sandboxes"), this);
    auto* runningLayout = new QVBoxLayout(runningBox);
    sandboxesView_ = new TableView(sandboxModel_,
                                   {{tr("App"), SandboxModel::AppRole, {}},
                                    {tr("Profile"), SandboxModel::ProfileRole, {}},
                                    {tr("Process"), SandboxModel::PidRole, {}},
                                    {tr("User"), SandboxModel::UidRole, {}},
                                    {tr("Checks answered"), SandboxModel::NotificationsRole, {}},
                                    {tr("Refused"), SandboxModel::ViolationsRole, {}}},
                                   tr("Running sandboxes"), runningBox);
    runningLayout->addWidget(sandboxesView_);
    layout->addWidget(runningBox);

    auto* violationsBox = new QGroupBox(tr("Recently refused"), this);
    auto* violationsLayout = new QVBoxLayout(violationsBox);
    violationsView_ =
        new TableView(violationModel_,
                      {{tr("When"), ViolationModel::SeenRole, &RoleColumnsProxy::dateTime},
                       {tr("App"), ViolationModel::AppRole, {}},
                       {tr("Call"), ViolationModel::SyscallRole, {}},
                       {tr("Rule"), ViolationModel::RuleRole, {}},
                       {tr("Action"), ViolationModel::ActionRole, {}}},
                      tr("Recently refused calls"), violationsBox);
    violationsLayout->addWidget(violationsView_);
    layout->addWidget(violationsBox);
}

void SandboxesPage::installFromFile() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Install a sandbox profile"), QString(), tr("Sandbox profiles (*.profile)"));
    if (path.isEmpty()) {
        return;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        Q_EMIT sandbox_.actionFailed(QStringLiteral("InstallProfile"),
                                     tr("Cannot read %1: %2").arg(path, file.errorString()));
        return;
    }
    // mamorid checks the text and names its first problem with NAME.profile:line.
    sandbox_.installProfile(QFileInfo(path).completeBaseName(), QString::fromUtf8(file.readAll()));
}

void SandboxesPage::learn() {
    auto* dialog = new LearnProfileDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

} // namespace mamori::gui
