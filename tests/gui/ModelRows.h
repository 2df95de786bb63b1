// Finding rows in the models under test.
#pragma once

#include <QAbstractItemModel>
#include <QVariant>

// The row of `model` whose `role` is `value`; -1 when there is none.
inline int rowWhere(const QAbstractItemModel& model, int role, const QVariant& value) {
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(role) == value) {
            return row;
        }
    }
    return -1;
}
