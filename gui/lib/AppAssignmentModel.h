// The apps whose DNS Mamori has seen or that have a resolver of their own, one row each: the
// target chosen for the app (a resolver id or "shard"; empty: the default), the one in effect,
// and how many queries it made. assign() is the per-app choice of the DNS page.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"

#include <QStringList>

namespace mamori::gui {

class DnsState;

// One app: its own choice (empty: the default) and its queries.
struct AppAssignment {
    QString app;
    QString assigned;
    quint64 queries = 0;
    quint64 lastQueryMicros = 0;
};

class AppAssignmentModel : public RowListModel<AppAssignment> {
    Q_OBJECT
public:
    enum Role {
        AppRole = Qt::UserRole + 1,
        // The app's own choice; empty when it follows the default.
        AssignedTargetRole,
        EffectiveTargetRole,
        QueriesRole,
        // QDateTime of the last query; invalid when it made none yet.
        LastQueryRole,
    };

    explicit AppAssignmentModel(DnsState& dns, QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The row's app gets `target` (empty: back to the default). Asynchronous: the row changes
    // once mamorid accepted it; DnsState::actionFailed says why not.
    void assign(int row, const QString& target);

private:
    void reload();

    DnsState& dns_;
    QString defaultTarget_;
};

} // namespace mamori::gui
