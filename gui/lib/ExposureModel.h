// What each resolver has learned, one row per (resolver, source): queries, distinct
// registrable domains and the entropy of what it saw, in bits, against the warning threshold
// (the exposure chart draws the threshold as a line). Source "mamori": through Mamori's stub;
// "bypassing": apps' own DoH to that server.
#pragma once

#include "DbusTypes.h"
#include "RowListModel.h"

namespace mamori::gui {

class DnsState;

class ExposureModel : public RowListModel<Exposure> {
    Q_OBJECT
    Q_PROPERTY(double threshold READ threshold NOTIFY thresholdChanged)
public:
    enum Role {
        ResolverRole = Qt::UserRole + 1,
        SourceRole,
        QueriesRole,
        DomainsRole,
        BitsRole,
        // Bits at or over a threshold that is not 0 (0: never warn).
        OverThresholdRole,
    };

    explicit ExposureModel(DnsState& dns, QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    double threshold() const { return threshold_; }

Q_SIGNALS:
    void thresholdChanged(double threshold);

private:
    void reload();

    DnsState& dns_;
    double threshold_ = 0;
};

} // namespace mamori::gui
