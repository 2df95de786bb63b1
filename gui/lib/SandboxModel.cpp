#include "SandboxModel.h"

namespace mamori::gui {

SandboxModel::SandboxModel(SandboxState& sandbox, QObject* parent)
    : RowListModel(parent)
    , sandbox_(sandbox) {
    connect(&sandbox_, &SandboxState::changed, this, [this] { setRows(sandbox_.sandboxes()); });
    setRows(sandbox_.sandboxes());
}

QVariant SandboxModel::data(const QModelIndex& index, int role) const {
    const SupervisedSandbox* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
    case AppRole:
        return row->app;
    case IdRole:
        return row->id;
    case ProfileRole:
        return row->profile;
    case PidRole:
        return row->pid;
    case UidRole:
        return row->uid;
    case NotificationsRole:
        return row->notifications;
    case ViolationsRole:
        return row->violations;
    default:
        return {};
    }
}

QHash<int, QByteArray> SandboxModel::roleNames() const {
    return {{Qt::DisplayRole, "display"},
            {IdRole, "id"},
            {ProfileRole, "profile"},
            {AppRole, "app"},
            {PidRole, "pid"},
            {UidRole, "uid"},
            {NotificationsRole, "notifications"},
            {ViolationsRole, "violations"}};
}

} // namespace mamori::gui
