#include "DnsState.h"

#include "QtNames.h"
#include "ServiceWatcher.h"

namespace mamori::gui {

DnsState::DnsState(ServiceWatcher& service, QObject* parent)
    : QObject(parent)
    , interface_(service, qtName(names::kRootPath), qtName(names::iface::kDns)) {
    registerDbusTypes();
    connect(&interface_, &RemoteInterface::changed, this, &DnsState::changed);
    connect(&interface_, &RemoteInterface::actionSucceeded, this, &DnsState::actionSucceeded);
    connect(&interface_, &RemoteInterface::actionFailed, this, &DnsState::actionFailed);
    QDBusConnection bus = service.bus();
    bus.connect(qtName(names::kBusName), qtName(names::kRootPath), qtName(names::iface::kDns),
                QStringLiteral("ExposureWarning"), this,
                SLOT(onExposureWarning(QString, QString, double, qulonglong, double)));
    bus.connect(qtName(names::kBusName), qtName(names::kRootPath), qtName(names::iface::kDns),
                QStringLiteral("DohDetected"), this,
                SLOT(onDohDetected(QString, QString, QString)));
}

QVariantMap DnsState::status() const {
    return interface_.value<QVariantMap>(QStringLiteral("Status"));
}
MamoriResolverList DnsState::resolvers() const {
    return interface_.value<MamoriResolverList>(QStringLiteral("Resolvers"));
}
MamoriResolverHealthList DnsState::resolverHealth() const {
    return interface_.value<MamoriResolverHealthList>(QStringLiteral("ResolverHealth"));
}
QString DnsState::defaultTarget() const {
    return interface_.value<QString>(QStringLiteral("DefaultTarget"));
}
QStringList DnsState::shardResolvers() const {
    return interface_.value<QStringList>(QStringLiteral("ShardResolvers"));
}
MamoriStringMap DnsState::assignments() const {
    return interface_.value<MamoriStringMap>(QStringLiteral("Assignments"));
}
MamoriDnsAppList DnsState::apps() const {
    return interface_.value<MamoriDnsAppList>(QStringLiteral("Apps"));
}
MamoriExposureList DnsState::exposure() const {
    return interface_.value<MamoriExposureList>(QStringLiteral("Exposure"));
}
MamoriDohAppList DnsState::dohApps() const {
    return interface_.value<MamoriDohAppList>(QStringLiteral("DohApps"));
}
double DnsState::exposureThreshold() const {
    return interface_.value<double>(QStringLiteral("ExposureThreshold"));
}

void DnsState::setAssignment(const QString& app, const QString& target) {
    interface_.userAction(QStringLiteral("SetAssignment"), {app, target});
}
void DnsState::setDefaultTarget(const QString& target) {
    interface_.userAction(QStringLiteral("SetDefaultTarget"), {target});
}
void DnsState::setExposureThreshold(double bits) {
    interface_.userAction(QStringLiteral("SetExposureThreshold"), {bits});
}
void DnsState::resetExposure(const QString& resolver) {
    interface_.userAction(QStringLiteral("ResetExposure"), {resolver});
}

void DnsState::onExposureWarning(const QString& resolver, const QString& source, double bits,
                                 qulonglong domains, double threshold) {
    interface_.refresh();
    Q_EMIT exposureWarning(resolver, source, bits, domains, threshold);
}

void DnsState::onDohDetected(const QString& app, const QString& server, const QString& seenBy) {
    interface_.refresh();
    Q_EMIT dohDetected(app, server, seenBy);
}

} // namespace mamori::gui
