// The resolvers Mamori may send DNS to, one row each: what they are, whether they answer, and
// whether they are the default target or in the shard set. No widgets; the DNS page shows it.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"

namespace mamori::gui {

class DnsState;

class ResolverModel : public RowListModel<Resolver> {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        NameRole,
        AddressRole,
        PortRole,
        ProtocolRole,
        TlsNameRole,
        // true/false while the DNS engine runs and knows; invalid otherwise.
        HealthyRole,
        IsDefaultRole,
        InShardRole,
    };

    explicit ResolverModel(DnsState& dns, QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    void reload();

    DnsState& dns_;
    MamoriResolverHealthList health_;
    QString defaultTarget_;
    QStringList shard_;
};

} // namespace mamori::gui
