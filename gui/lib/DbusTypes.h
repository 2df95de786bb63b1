// Qt types for the structured D-Bus values of Mamori's API, registered with QtDBus so the
// generated proxies can marshal them.
#pragma once

#include <QDBusArgument>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>

namespace mamori::gui {

// One entry of Manager.Features: (available, detail).
struct FeatureState {
    bool available = false;
    QString detail;
};

// One entry of Device.Interfaces: (number, class, subclass, protocol, authorized).
struct InterfaceState {
    uchar number = 0;
    uchar interfaceClass = 0;
    uchar subClass = 0;
    uchar protocol = 0;
    bool authorized = false;
};

// One entry of Devices.ListRules: (name, rule text).
struct StoredRule {
    QString name;
    QString text;
};

// One entry of Sandbox.AdminProfiles: (name, application id).
struct AdminProfile {
    QString name;
    QString app;
};

// One entry of Sandbox.Sandboxes: (id, profile, app, pid, uid, notifications, violations).
struct SupervisedSandbox {
    quint64 id = 0;
    QString profile;
    QString app;
    uint pid = 0;
    uint uid = 0;
    quint64 notifications = 0;
    quint64 violations = 0;
};

// One entry of Dns.Resolvers: (id, name, address, port, protocol, TLS name, pin, CA file).
struct Resolver {
    QString id;
    QString name;
    QString address;
    quint16 port = 0;
    QString protocol;
    QString tlsName;
    QString pin;
    QString caFile;
};

// One entry of Dns.ResolverHealth: (id, healthy, answered, failed, guard packets, guard bytes).
struct ResolverHealth {
    QString id;
    bool healthy = false;
    quint64 answered = 0;
    quint64 failed = 0;
    quint64 guardPackets = 0;
    quint64 guardBytes = 0;
};

// One entry of Dns.Apps: (app id, target, queries, last query in µs since the epoch).
struct DnsApp {
    QString app;
    QString target;
    quint64 queries = 0;
    quint64 lastQueryMicros = 0;
};

// One entry of Dns.Exposure (resolver, source, ...) or Dns.AppExposure (resolver, app, ...).
struct Exposure {
    QString resolver;
    QString sourceOrApp;
    quint64 queries = 0;
    quint64 distinctDomains = 0;
    double entropyBits = 0;
};

// One entry of Dns.DohApps: (app id, server, seen by, questions, connections).
struct DohApp {
    QString app;
    QString server;
    QString seenBy;
    quint64 questions = 0;
    quint64 connections = 0;
};

void registerDbusTypes();

} // namespace mamori::gui

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::FeatureState& state);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::FeatureState& state);

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::InterfaceState& state);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::InterfaceState& state);
QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::StoredRule& rule);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::StoredRule& rule);

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::AdminProfile& profile);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::AdminProfile& profile);
QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::SupervisedSandbox& sandbox);
const QDBusArgument& operator>>(const QDBusArgument& argument,
                                mamori::gui::SupervisedSandbox& sandbox);

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::Resolver& resolver);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::Resolver& resolver);
QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::ResolverHealth& health);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::ResolverHealth& health);
QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::DnsApp& app);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::DnsApp& app);
QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::Exposure& exposure);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::Exposure& exposure);

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::DohApp& value);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::DohApp& value);

using MamoriFeatureMap = QMap<QString, mamori::gui::FeatureState>;
using MamoriInterfaceList = QList<mamori::gui::InterfaceState>;
using MamoriRuleList = QList<mamori::gui::StoredRule>;
using MamoriEngineMap = QMap<QString, bool>;
using MamoriProfileList = QList<mamori::gui::AdminProfile>;
using MamoriSandboxList = QList<mamori::gui::SupervisedSandbox>;
using MamoriResolverList = QList<mamori::gui::Resolver>;
using MamoriResolverHealthList = QList<mamori::gui::ResolverHealth>;
using MamoriDnsAppList = QList<mamori::gui::DnsApp>;
using MamoriExposureList = QList<mamori::gui::Exposure>;
using MamoriStringMap = QMap<QString, QString>;
using MamoriDohAppList = QList<mamori::gui::DohApp>;
Q_DECLARE_METATYPE(mamori::gui::FeatureState)
Q_DECLARE_METATYPE(MamoriFeatureMap)
Q_DECLARE_METATYPE(MamoriEngineMap)
Q_DECLARE_METATYPE(mamori::gui::InterfaceState)
Q_DECLARE_METATYPE(mamori::gui::StoredRule)
Q_DECLARE_METATYPE(MamoriInterfaceList)
Q_DECLARE_METATYPE(MamoriRuleList)
Q_DECLARE_METATYPE(mamori::gui::AdminProfile)
Q_DECLARE_METATYPE(mamori::gui::SupervisedSandbox)
Q_DECLARE_METATYPE(MamoriProfileList)
Q_DECLARE_METATYPE(MamoriSandboxList)
Q_DECLARE_METATYPE(mamori::gui::Resolver)
Q_DECLARE_METATYPE(mamori::gui::ResolverHealth)
Q_DECLARE_METATYPE(mamori::gui::DnsApp)
Q_DECLARE_METATYPE(mamori::gui::Exposure)
Q_DECLARE_METATYPE(MamoriResolverList)
Q_DECLARE_METATYPE(MamoriResolverHealthList)
Q_DECLARE_METATYPE(MamoriDnsAppList)
Q_DECLARE_METATYPE(MamoriExposureList)
Q_DECLARE_METATYPE(MamoriStringMap)
Q_DECLARE_METATYPE(mamori::gui::DohApp)
Q_DECLARE_METATYPE(MamoriDohAppList)
