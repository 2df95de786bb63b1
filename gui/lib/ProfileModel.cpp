#include "ProfileModel.h"

namespace mamori::gui {

ProfileModel::ProfileModel(SandboxState& sandbox, QObject* parent)
    : RowListModel(parent)
    , sandbox_(sandbox) {
    connect(&sandbox_, &SandboxState::changed, this, [this] { setRows(sandbox_.adminProfiles()); });
    setRows(sandbox_.adminProfiles());
}

QVariant ProfileModel::data(const QModelIndex& index, int role) const {
    const AdminProfile* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return row->name;
    case AppRole:
        return row->app;
    default:
        return {};
    }
}

QHash<int, QByteArray> ProfileModel::roleNames() const {
    return {{Qt::DisplayRole, "display"}, {NameRole, "name"}, {AppRole, "app"}};
}

} // namespace mamori::gui
