#include "ExposureModel.h"

#include "DnsState.h"

namespace mamori::gui {

ExposureModel::ExposureModel(DnsState& dns, QObject* parent)
    : RowListModel(parent)
    , dns_(dns) {
    connect(&dns_, &DnsState::changed, this, &ExposureModel::reload);
    reload();
}

void ExposureModel::reload() {
    const double threshold = dns_.exposureThreshold();
    const bool thresholdMoved = threshold != threshold_;
    threshold_ = threshold;
    setRows(dns_.exposure());
    if (thresholdMoved) {
        Q_EMIT thresholdChanged(threshold_);
    }
}

QVariant ExposureModel::data(const QModelIndex& index, int role) const {
    const Exposure* found = rowAt(index);
    if (found == nullptr) {
        return {};
    }
    const Exposure& row = *found;
    switch (role) {
    case Qt::DisplayRole:
    case ResolverRole:
        return row.resolver;
    case SourceRole:
        return row.sourceOrApp;
    case QueriesRole:
        return row.queries;
    case DomainsRole:
        return row.distinctDomains;
    case BitsRole:
        return row.entropyBits;
    case OverThresholdRole:
        return threshold_ > 0 && row.entropyBits >= threshold_;
    default:
        return {};
    }
}

QHash<int, QByteArray> ExposureModel::roleNames() const {
    return {{Qt::DisplayRole, "display"},
            {ResolverRole, "resolver"},
            {SourceRole, "source"},
            {QueriesRole, "queries"},
            {DomainsRole, "domains"},
            {BitsRole, "bits"},
            {OverThresholdRole, "overThreshold"}};
}

} // namespace mamori::gui
