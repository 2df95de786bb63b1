#include "DohAppModel.h"

#include "DnsState.h"
#include "QtNames.h"

namespace mamori::gui {

DohAppModel::DohAppModel(DnsState& dns, QObject* parent)
    : RowListModel(parent)
    , dns_(dns) {
    connect(&dns_, &DnsState::changed, this, &DohAppModel::reload);
    reload();
}

void DohAppModel::reload() {
    setRows(dns_.dohApps());
}

QVariant DohAppModel::data(const QModelIndex& index, int role) const {
    const DohApp* found = rowAt(index);
    if (found == nullptr) {
        return {};
    }
    const DohApp& row = *found;
    switch (role) {
    case Qt::DisplayRole:
    case AppRole:
        return row.app;
    case ServerRole:
        return row.server;
    case SeenByRole:
        return row.seenBy;
    case QuestionsRole:
        return row.questions;
    case ConnectionsRole:
        return row.connections;
    case ReadableRole:
        return row.seenBy == qtName(names::dns::kSeenByTlsLibrary);
    default:
        return {};
    }
}

QHash<int, QByteArray> DohAppModel::roleNames() const {
    return {{Qt::DisplayRole, "display"}, {AppRole, "app"},
            {ServerRole, "server"},       {SeenByRole, "seenBy"},
            {QuestionsRole, "questions"}, {ConnectionsRole, "connections"},
            {ReadableRole, "readable"}};
}

} // namespace mamori::gui
