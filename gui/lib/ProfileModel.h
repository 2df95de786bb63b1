// The administrator's sandbox profiles (/etc/mamori/profiles): name and application id.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"
#include "SandboxState.h"

namespace mamori::gui {

class ProfileModel : public RowListModel<AdminProfile> {
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, AppRole };

    explicit ProfileModel(SandboxState& sandbox, QObject* parent = nullptr);
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    SandboxState& sandbox_;
};

} // namespace mamori::gui
