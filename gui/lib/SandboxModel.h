// The supervised sandboxes running now: profile, app, pid, uid, notifications answered and
// violations, as mamorid counts them.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"
#include "SandboxState.h"

namespace mamori::gui {

class SandboxModel : public RowListModel<SupervisedSandbox> {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        ProfileRole,
        AppRole,
        PidRole,
        UidRole,
        NotificationsRole,
        ViolationsRole,
    };

    explicit SandboxModel(SandboxState& sandbox, QObject* parent = nullptr);
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    SandboxState& sandbox_;
};

} // namespace mamori::gui
