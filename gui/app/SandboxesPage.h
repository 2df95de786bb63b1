// The Sandboxes page: the administrator's profiles (install one from a file, remove one), the
// sandboxes mamorid supervises now, the recent violations, and learning a new profile by
// running a program once (LearnProfileDialog).
#pragma once

#include "ProfileModel.h"
#include "SandboxModel.h"
#include "ViolationModel.h"

#include <QWidget>

class QPushButton;

namespace mamori::gui {

class SandboxState;
class TableView;

class SandboxesPage : public QWidget {
    Q_OBJECT
public:
    explicit SandboxesPage(SandboxState& sandbox, QWidget* parent = nullptr);

    TableView* profiles() const { return profilesView_; }
    TableView* sandboxes() const { return sandboxesView_; }
    TableView* violations() const { return violationsView_; }

private:
    void installFromFile();
    void learn();

    SandboxState& sandbox_;
    ProfileModel profileModel_;
    SandboxModel sandboxModel_;
    ViolationModel violationModel_;
    TableView* profilesView_ = nullptr;
    TableView* sandboxesView_ = nullptr;
    TableView* violationsView_ = nullptr;
    QPushButton* remove_ = nullptr;
};

} // namespace mamori::gui
