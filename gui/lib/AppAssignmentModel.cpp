#include "AppAssignmentModel.h"

#include "DnsState.h"

#include <QDateTime>
#include <QMap>

namespace mamori::gui {

AppAssignmentModel::AppAssignmentModel(DnsState& dns, QObject* parent)
    : RowListModel(parent)
    , dns_(dns) {
    connect(&dns_, &DnsState::changed, this, &AppAssignmentModel::reload);
    reload();
}

// Apps seen and apps assigned, by name: an app can be assigned before it ever ran.
void AppAssignmentModel::reload() {
    QMap<QString, AppAssignment> byApp;
    for (const auto& app : dns_.apps()) {
        AppAssignment& row = byApp[app.app];
        row.app = app.app;
        row.queries = app.queries;
        row.lastQueryMicros = app.lastQueryMicros;
    }
    const auto assignments = dns_.assignments();
    for (auto it = assignments.cbegin(); it != assignments.cend(); ++it) {
        AppAssignment& row = byApp[it.key()];
        row.app = it.key();
        row.assigned = it.value();
    }
    defaultTarget_ = dns_.defaultTarget();
    setRows(byApp.values());
}

QVariant AppAssignmentModel::data(const QModelIndex& index, int role) const {
    const AppAssignment* found = rowAt(index);
    if (found == nullptr) {
        return {};
    }
    const AppAssignment& row = *found;
    switch (role) {
    case Qt::DisplayRole:
    case AppRole:
        return row.app;
    case AssignedTargetRole:
        return row.assigned;
    case EffectiveTargetRole:
        return row.assigned.isEmpty() ? defaultTarget_ : row.assigned;
    case QueriesRole:
        return row.queries;
    case LastQueryRole:
        if (row.lastQueryMicros == 0) {
            return {};
        }
        return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(row.lastQueryMicros / 1000));
    default:
        return {};
    }
}

QHash<int, QByteArray> AppAssignmentModel::roleNames() const {
    return {{Qt::DisplayRole, "display"},
            {AppRole, "app"},
            {AssignedTargetRole, "assignedTarget"},
            {EffectiveTargetRole, "effectiveTarget"},
            {QueriesRole, "queries"},
            {LastQueryRole, "lastQuery"}};
}

void AppAssignmentModel::assign(int row, const QString& target) {
    if (row < 0 || row >= rows().size()) {
        return;
    }
    dns_.setAssignment(rows().at(row).app, target);
}

} // namespace mamori::gui
