// The kernel features mamorid's probe found, one row each (the About page): available, and
// why not when it is not (for example "needs the LBM patch from kernel-patches/").
#pragma once

#include "RowListModel.h"

#include <QString>

namespace mamori::gui {

class ManagerState;

struct KernelFeature {
    QString name;
    bool available = false;
    QString detail;
};

class FeatureModel : public RowListModel<KernelFeature> {
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, AvailableRole, DetailRole };

    explicit FeatureModel(ManagerState& manager, QObject* parent = nullptr);
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    void reload();

    ManagerState& manager_;
};

} // namespace mamori::gui
