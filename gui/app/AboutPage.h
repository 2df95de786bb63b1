// The About page: which version of the app and the service run, what this kernel offers each
// engine (the service's feature probe, with the reason for what is missing), and switching
// the engines on and off.
#pragma once

#include "FeatureModel.h"

#include <QMap>
#include <QWidget>

class QCheckBox;
class QLabel;

namespace mamori::gui {

class ManagerState;
class TableView;

class AboutPage : public QWidget {
    Q_OBJECT
public:
    explicit AboutPage(ManagerState& manager, QWidget* parent = nullptr);

    TableView* features() const { return featuresView_; }
    QCheckBox* engineSwitch(const QString& engine) const { return engines_.value(engine); }

private:
    void reload();

    ManagerState& manager_;
    FeatureModel featureModel_;
    TableView* featuresView_ = nullptr;
    QLabel* versions_ = nullptr;
    QMap<QString, QCheckBox*> engines_;
};

} // namespace mamori::gui
