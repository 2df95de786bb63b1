#include "RoleColumnsProxy.h"

#include <QDateTime>
#include <QLocale>
#include <QStringList>
#include <utility>

namespace mamori::gui {

RoleColumnsProxy::RoleColumnsProxy(QList<Column> columns, QObject* parent)
    : QAbstractProxyModel(parent)
    , columns_(std::move(columns)) {}

void RoleColumnsProxy::setSourceModel(QAbstractItemModel* source) {
    beginResetModel();
    for (const auto& connection : std::as_const(sourceConnections_)) {
        disconnect(connection);
    }
    sourceConnections_.clear();
    QAbstractProxyModel::setSourceModel(source);
    if (source != nullptr) {
        // The source is a flat list: rows map one to one, a changed row changes every column.
        sourceConnections_ = {
            connect(source, &QAbstractItemModel::modelAboutToBeReset, this,
                    [this] { beginResetModel(); }),
            connect(source, &QAbstractItemModel::modelReset, this, [this] { endResetModel(); }),
            connect(source, &QAbstractItemModel::rowsAboutToBeInserted, this,
                    [this](const QModelIndex&, int first, int last) {
                        beginInsertRows({}, first, last);
                    }),
            connect(source, &QAbstractItemModel::rowsInserted, this, [this] { endInsertRows(); }),
            connect(source, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                    [this](const QModelIndex&, int first, int last) {
                        beginRemoveRows({}, first, last);
                    }),
            connect(source, &QAbstractItemModel::rowsRemoved, this, [this] { endRemoveRows(); }),
            connect(source, &QAbstractItemModel::layoutAboutToBeChanged, this,
                    [this] { Q_EMIT layoutAboutToBeChanged(); }),
            connect(source, &QAbstractItemModel::layoutChanged, this,
                    [this] { Q_EMIT layoutChanged(); }),
            connect(source, &QAbstractItemModel::dataChanged, this,
                    [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
                        Q_EMIT dataChanged(index(topLeft.row(), 0),
                                           index(bottomRight.row(), columnCount() - 1));
                    }),
        };
    }
    endResetModel();
}

QModelIndex RoleColumnsProxy::index(int row, int column, const QModelIndex& parent) const {
    if (parent.isValid() || row < 0 || row >= rowCount() || column < 0 || column >= columnCount()) {
        return {};
    }
    return createIndex(row, column);
}

QModelIndex RoleColumnsProxy::parent(const QModelIndex&) const {
    return {};
}

int RoleColumnsProxy::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || sourceModel() == nullptr) {
        return 0;
    }
    return sourceModel()->rowCount();
}

int RoleColumnsProxy::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QModelIndex RoleColumnsProxy::mapToSource(const QModelIndex& proxyIndex) const {
    if (!proxyIndex.isValid() || sourceModel() == nullptr) {
        return {};
    }
    return sourceModel()->index(proxyIndex.row(), 0);
}

QModelIndex RoleColumnsProxy::mapFromSource(const QModelIndex& sourceIndex) const {
    if (!sourceIndex.isValid()) {
        return {};
    }
    return index(sourceIndex.row(), 0);
}

QVariant RoleColumnsProxy::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Column& column = columns_.at(index.column());
    const QModelIndex source = mapToSource(index);
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        const QVariant value = source.data(column.role);
        return column.format ? column.format(value) : value;
    }
    if (role == Qt::AccessibleTextRole) {
        return column.header + QStringLiteral(": ") + data(index, Qt::DisplayRole).toString();
    }
    // Any other role reads the row's own value (IdRole etc.): the column does not matter.
    return source.data(role);
}

QVariant RoleColumnsProxy::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 ||
        section >= columnCount()) {
        return QAbstractProxyModel::headerData(section, orientation, role);
    }
    return columns_.at(section).header;
}

QVariant RoleColumnsProxy::yesNo(const QVariant& value) {
    if (!value.isValid()) {
        return tr("unknown");
    }
    return value.toBool() ? tr("yes") : tr("no");
}

QVariant RoleColumnsProxy::dateTime(const QVariant& value) {
    const QDateTime when = value.toDateTime();
    if (!when.isValid()) {
        return tr("never");
    }
    return QLocale().toString(when.toLocalTime(), QLocale::ShortFormat);
}

QVariant RoleColumnsProxy::bits(const QVariant& value) {
    return tr("%1 bits").arg(value.toDouble(), 0, 'f', 1);
}

QVariant RoleColumnsProxy::joined(const QVariant& value) {
    return value.toStringList().join(QStringLiteral(", "));
}

} // namespace mamori::gui
