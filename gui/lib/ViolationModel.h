// Recent sandbox violations from the Violation signal, newest first; the last kMaxViolations
// are kept (mamorid signals at most 20 a second per sandbox).
#pragma once

#include "RowListModel.h"
#include "SandboxState.h"

namespace mamori::gui {

class ViolationModel : public RowListModel<SandboxViolation> {
    Q_OBJECT
public:
    static constexpr int kMaxViolations = 200;

    enum Role {
        SandboxRole = Qt::UserRole + 1,
        AppRole,
        PidRole,
        SyscallRole,
        RuleRole,
        ActionRole,
        SeenRole,
    };

    explicit ViolationModel(SandboxState& sandbox, QObject* parent = nullptr);
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    void add(const SandboxViolation& violation);
};

} // namespace mamori::gui
