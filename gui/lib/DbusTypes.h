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

using MamoriFeatureMap = QMap<QString, mamori::gui::FeatureState>;
using MamoriInterfaceList = QList<mamori::gui::InterfaceState>;
using MamoriRuleList = QList<mamori::gui::StoredRule>;
using MamoriEngineMap = QMap<QString, bool>;
using MamoriProfileList = QList<mamori::gui::AdminProfile>;
using MamoriSandboxList = QList<mamori::gui::SupervisedSandbox>;
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
