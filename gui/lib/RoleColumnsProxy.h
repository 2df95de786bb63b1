// A table over one of gui/lib's list models: each column shows one role of the source's rows
// (QTableView needs columns; the models have roles, as QML would use them). Columns format
// their role's value themselves where words read better than the raw value ("yes", a date).
#pragma once

#include <QAbstractProxyModel>
#include <QList>
#include <QString>
#include <functional>

namespace mamori::gui {

class RoleColumnsProxy : public QAbstractProxyModel {
    Q_OBJECT
public:
    // Turns a role's value into the text shown; none: the value as it is.
    using Format = std::function<QVariant(const QVariant&)>;
    struct Column {
        QString header;
        int role = Qt::DisplayRole;
        Format format;
    };

    explicit RoleColumnsProxy(QList<Column> columns, QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* source) override;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QModelIndex mapToSource(const QModelIndex& proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex& sourceIndex) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The role a column shows.
    int roleOf(int column) const { return columns_.at(column).role; }

    // Formats most columns need.
    static QVariant yesNo(const QVariant& value);
    static QVariant dateTime(const QVariant& value);
    static QVariant bits(const QVariant& value);
    static QVariant joined(const QVariant& value);

private:
    QList<Column> columns_;
    QList<QMetaObject::Connection> sourceConnections_;
};

} // namespace mamori::gui
