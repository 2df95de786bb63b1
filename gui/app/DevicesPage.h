// The Devices page: the connected USB devices with what they are in words, their state and who
// decided it; answers for the selected one (whole device or only some of its interfaces); the
// remembered decisions and rules; the default for new devices, the allow-everything window and
// Bluetooth.
#pragma once

#include "DbusTypes.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace mamori::gui {

class DeviceModel;
class DevicesState;
class TableView;

class DevicesPage : public QWidget {
    Q_OBJECT
public:
    DevicesPage(DevicesState& devices, DeviceModel& model, QWidget* parent = nullptr);

    TableView* devicesView() const { return devicesView_; }
    QListWidget* interfaces() const { return interfaces_; }
    QPushButton* button(const QString& objectName) const;

private:
    void onSelection(int row);
    void reloadPolicy();
    void showRules(const MamoriRuleList& rules);
    void decideSelected(bool allow, const QString& scope);
    void allowCheckedInterfaces();

    DevicesState& devices_;
    DeviceModel& model_;
    TableView* devicesView_ = nullptr;
    QListWidget* interfaces_ = nullptr;
    QList<QPushButton*> deviceButtons_;
    QPushButton* allowInterfaces_ = nullptr;
    QTableWidget* rules_ = nullptr;
    QPushButton* forgetRule_ = nullptr;
    QComboBox* policy_ = nullptr;
    QCheckBox* bluetooth_ = nullptr;
    QLabel* allowAllUntil_ = nullptr;
};

} // namespace mamori::gui
