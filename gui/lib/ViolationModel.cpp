#include "ViolationModel.h"

namespace mamori::gui {

ViolationModel::ViolationModel(SandboxState& sandbox, QObject* parent)
    : RowListModel(parent) {
    connect(&sandbox, &SandboxState::violation, this, &ViolationModel::add);
}

void ViolationModel::add(const SandboxViolation& violation) {
    QList<SandboxViolation> rows = this->rows();
    rows.prepend(violation);
    if (rows.size() > kMaxViolations) {
        rows.removeLast();
    }
    setRows(rows);
}

QVariant ViolationModel::data(const QModelIndex& index, int role) const {
    const SandboxViolation* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
    case SyscallRole:
        return row->syscall;
    case SandboxRole:
        return row->sandbox;
    case AppRole:
        return row->app;
    case PidRole:
        return row->pid;
    case RuleRole:
        return row->rule;
    case ActionRole:
        return row->action;
    case SeenRole:
        return row->seen;
    default:
        return {};
    }
}

QHash<int, QByteArray> ViolationModel::roleNames() const {
    return {{Qt::DisplayRole, "display"},
            {SandboxRole, "sandbox"},
            {AppRole, "app"},
            {PidRole, "pid"},
            {SyscallRole, "syscall"},
            {RuleRole, "rule"},
            {ActionRole, "action"},
            {SeenRole, "seen"}};
}

} // namespace mamori::gui
