#include "ResolverModel.h"

#include "DnsState.h"

namespace mamori::gui {

ResolverModel::ResolverModel(DnsState& dns, QObject* parent)
    : RowListModel(parent)
    , dns_(dns) {
    connect(&dns_, &DnsState::changed, this, &ResolverModel::reload);
    reload();
}

void ResolverModel::reload() {
    health_ = dns_.resolverHealth();
    defaultTarget_ = dns_.defaultTarget();
    shard_ = dns_.shardResolvers();
    setRows(dns_.resolvers());
}

QVariant ResolverModel::data(const QModelIndex& index, int role) const {
    const Resolver* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    const Resolver& resolver = *row;
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return resolver.name.isEmpty() ? resolver.id : resolver.name;
    case IdRole:
        return resolver.id;
    case AddressRole:
        return resolver.address;
    case PortRole:
        return resolver.port;
    case ProtocolRole:
        return resolver.protocol;
    case TlsNameRole:
        return resolver.tlsName;
    case HealthyRole:
        for (const auto& health : health_) {
            if (health.id == resolver.id) {
                return health.healthy;
            }
        }
        return {};
    case IsDefaultRole:
        return defaultTarget_ == resolver.id;
    case InShardRole:
        return shard_.contains(resolver.id);
    default:
        return {};
    }
}

QHash<int, QByteArray> ResolverModel::roleNames() const {
    return {{Qt::DisplayRole, "display"}, {IdRole, "id"},           {NameRole, "name"},
            {AddressRole, "address"},     {PortRole, "port"},       {ProtocolRole, "protocol"},
            {TlsNameRole, "tlsName"},     {HealthyRole, "healthy"}, {IsDefaultRole, "isDefault"},
            {InShardRole, "inShard"}};
}

} // namespace mamori::gui
