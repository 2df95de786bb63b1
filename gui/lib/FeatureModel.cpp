#include "FeatureModel.h"

#include "ManagerState.h"

namespace mamori::gui {

FeatureModel::FeatureModel(ManagerState& manager, QObject* parent)
    : RowListModel(parent)
    , manager_(manager) {
    connect(&manager_, &ManagerState::changed, this, &FeatureModel::reload);
    reload();
}

void FeatureModel::reload() {
    QList<KernelFeature> rows;
    const auto features = manager_.features();
    for (auto it = features.cbegin(); it != features.cend(); ++it) {
        rows << KernelFeature{it.key(), it.value().available, it.value().detail};
    }
    setRows(rows);
}

QVariant FeatureModel::data(const QModelIndex& index, int role) const {
    const KernelFeature* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return row->name;
    case AvailableRole:
        return row->available;
    case DetailRole:
        return row->detail;
    default:
        return {};
    }
}

QHash<int, QByteArray> FeatureModel::roleNames() const {
    return {{Qt::DisplayRole, "display"},
            {NameRole, "name"},
            {AvailableRole, "available"},
            {DetailRole, "detail"}};
}

} // namespace mamori::gui
