// The DNS engine as the tray and settings window see it: org.mamori.Mamori1.Dns's properties
// (typed), its signals, and the changes a user can ask for. Everything asynchronous (see
// RemoteInterface). Properties that mamorid does not announce (Status, ResolverHealth, Apps,
// Exposure, AppExposure, DohApps) are fetched again on refresh(), which a visible page calls
// now and then.
#pragma once

#include "DbusTypes.h"
#include "RemoteInterface.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace mamori::gui {

class ServiceWatcher;

class DnsState : public QObject {
    Q_OBJECT
public:
    explicit DnsState(ServiceWatcher& service, QObject* parent = nullptr);

    void refresh() { interface_.refresh(); }
    bool loaded() const { return interface_.loaded(); }

    QVariantMap status() const;
    MamoriResolverList resolvers() const;
    MamoriResolverHealthList resolverHealth() const;
    QString defaultTarget() const;
    QStringList shardResolvers() const;
    MamoriStringMap assignments() const;
    MamoriDnsAppList apps() const;
    MamoriExposureList exposure() const;
    MamoriDohAppList dohApps() const;
    double exposureThreshold() const;

    // Changes the user asked for (polkit may ask them to authenticate). The outcome comes as
    // actionSucceeded / actionFailed with the action's name ("SetAssignment", ...).
    // An empty target removes the app's assignment: it uses the default again.
    void setAssignment(const QString& app, const QString& target);
    void setDefaultTarget(const QString& target);
    void setExposureThreshold(double bits);
    // An empty resolver forgets what every resolver learned.
    void resetExposure(const QString& resolver);

Q_SIGNALS:
    void changed();
    void actionSucceeded(const QString& action);
    void actionFailed(const QString& action, const QString& message);
    void exposureWarning(const QString& resolver, const QString& source, double bits,
                         qulonglong domains, double threshold);
    void dohDetected(const QString& app, const QString& server, const QString& seenBy);

private Q_SLOTS:
    void onExposureWarning(const QString& resolver, const QString& source, double bits,
                           qulonglong domains, double threshold);
    void onDohDetected(const QString& app, const QString& server, const QString& seenBy);

private:
    RemoteInterface interface_;
};

} // namespace mamori::gui
