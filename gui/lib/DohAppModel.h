// Apps seen doing their own DNS over HTTPS, one row per (app, server): seen in the app's TLS
// library ("tls-library": questions counted) or only by destination ("destination": apps whose
// TLS cannot be read, e.g. Chrome's), with questions and connections.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"

namespace mamori::gui {

class DnsState;

class DohAppModel : public RowListModel<DohApp> {
    Q_OBJECT
public:
    enum Role {
        AppRole = Qt::UserRole + 1,
        ServerRole,
        SeenByRole,
        QuestionsRole,
        ConnectionsRole,
        // Whether Mamori can read what the app asks (seen in its TLS library).
        ReadableRole,
    };

    explicit DohAppModel(DnsState& dns, QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    void reload();

    DnsState& dns_;
};

} // namespace mamori::gui
