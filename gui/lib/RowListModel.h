// The part every list model of gui/lib shares: a list of rows replaced whole when the service's
// state changes (a model reset: the rows are a snapshot of properties fetched together), and
// the row behind a valid index.
#pragma once

#include <QAbstractListModel>
#include <QList>
#include <utility>

namespace mamori::gui {

template <typename Row> class RowListModel : public QAbstractListModel {
public:
    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(rows_.size());
    }

protected:
    void setRows(QList<Row> rows) {
        beginResetModel();
        rows_ = std::move(rows);
        endResetModel();
    }
    const QList<Row>& rows() const { return rows_; }
    // nullptr unless `index` is a valid index of this model.
    const Row* rowAt(const QModelIndex& index) const {
        if (!checkIndex(index,
                        CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
            return nullptr;
        }
        return &rows_.at(index.row());
    }

private:
    QList<Row> rows_;
};

} // namespace mamori::gui
