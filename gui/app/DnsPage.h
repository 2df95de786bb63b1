// The DNS page: the resolvers and their health, which resolver each app uses (or "spread over
// several", the shard), what each resolver has learned about the user as a chart with the
// warning threshold, and the apps that do their own DoH past Mamori.
#pragma once

#include "AppAssignmentModel.h"
#include "DohAppModel.h"
#include "ExposureModel.h"
#include "ResolverModel.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QPushButton;

namespace mamori::gui {

class DnsState;
class ExposureChart;
class TableView;

class DnsPage : public QWidget {
    Q_OBJECT
public:
    explicit DnsPage(DnsState& dns, QWidget* parent = nullptr);

    TableView* resolvers() const { return resolversView_; }
    TableView* apps() const { return appsView_; }
    QComboBox* appTarget() const { return appTarget_; }
    QPushButton* assignButton() const { return assign_; }
    ExposureChart* chart() const { return chart_; }

private:
    void reloadTargets();
    void fillTargets(QComboBox* box, bool withFollowDefault) const;
    void assignSelected();

    DnsState& dns_;
    ResolverModel resolverModel_;
    AppAssignmentModel appModel_;
    ExposureModel exposureModel_;
    DohAppModel dohModel_;
    TableView* resolversView_ = nullptr;
    TableView* appsView_ = nullptr;
    QComboBox* defaultTarget_ = nullptr;
    QComboBox* appTarget_ = nullptr;
    QPushButton* assign_ = nullptr;
    QDoubleSpinBox* threshold_ = nullptr;
    ExposureChart* chart_ = nullptr;
};

} // namespace mamori::gui
