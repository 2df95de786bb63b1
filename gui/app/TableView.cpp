#include "TableView.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <utility>

namespace mamori::gui {

TableView::TableView(QAbstractItemModel& source, QList<RoleColumnsProxy::Column> columns,
                     const QString& accessibleName, QWidget* parent)
    : QTableView(parent)
    , proxy_(std::move(columns)) {
    proxy_.setSourceModel(&source);
    setModel(&proxy_);
    setAccessibleName(accessibleName);
    setSelectionBehavior(SelectRows);
    setSelectionMode(SingleSelection);
    setEditTriggers(NoEditTriggers);
    setTabKeyNavigation(false);
    setAlternatingRowColors(true);
    setWordWrap(false);
    verticalHeader()->hide();
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    setMinimumHeight(120);
    connect(selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { Q_EMIT selectedRowChanged(selectedSourceRow()); });
    connect(&proxy_, &QAbstractItemModel::modelReset, this,
            [this] { Q_EMIT selectedRowChanged(selectedSourceRow()); });
}

int TableView::selectedSourceRow() const {
    const QModelIndexList rows = selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : proxy_.mapToSource(rows.first()).row();
}

void TableView::selectSourceRow(int row) {
    selectRow(row);
}

} // namespace mamori::gui
