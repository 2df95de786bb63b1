// The settings pages' tables: a read-only, keyboard-navigable QTableView over one of gui/lib's
// list models, one column per role (RoleColumnsProxy), rows selected whole.
#pragma once

#include "RoleColumnsProxy.h"

#include <QTableView>

namespace mamori::gui {

class TableView : public QTableView {
    Q_OBJECT
public:
    TableView(QAbstractItemModel& source, QList<RoleColumnsProxy::Column> columns,
              const QString& accessibleName, QWidget* parent = nullptr);

    // The source model's row of the current selection; -1 when nothing is selected.
    int selectedSourceRow() const;
    // Selects the source model's row (tests, and keeping the selection across resets).
    void selectSourceRow(int row);

Q_SIGNALS:
    void selectedRowChanged(int sourceRow);

private:
    RoleColumnsProxy proxy_;
};

} // namespace mamori::gui
