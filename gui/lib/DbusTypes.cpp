#include "DbusTypes.h"

#include <QDBusMetaType>

namespace mamori::gui {

void registerDbusTypes() {
    qDBusRegisterMetaType<FeatureState>();
    qDBusRegisterMetaType<MamoriFeatureMap>();
    qDBusRegisterMetaType<MamoriEngineMap>();
    qDBusRegisterMetaType<InterfaceState>();
    qDBusRegisterMetaType<StoredRule>();
    qDBusRegisterMetaType<MamoriInterfaceList>();
    qDBusRegisterMetaType<MamoriRuleList>();
    qDBusRegisterMetaType<AdminProfile>();
    qDBusRegisterMetaType<SupervisedSandbox>();
    qDBusRegisterMetaType<MamoriProfileList>();
    qDBusRegisterMetaType<MamoriSandboxList>();
}

} // namespace mamori::gui

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::FeatureState& state) {
    argument.beginStructure();
    argument << state.available << state.detail;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::FeatureState& state) {
    argument.beginStructure();
    argument >> state.available >> state.detail;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::InterfaceState& state) {
    argument.beginStructure();
    argument << state.number << state.interfaceClass << state.subClass << state.protocol
             << state.authorized;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::InterfaceState& state) {
    argument.beginStructure();
    argument >> state.number >> state.interfaceClass >> state.subClass >> state.protocol >>
        state.authorized;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::StoredRule& rule) {
    argument.beginStructure();
    argument << rule.name << rule.text;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::StoredRule& rule) {
    argument.beginStructure();
    argument >> rule.name >> rule.text;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::AdminProfile& profile) {
    argument.beginStructure();
    argument << profile.name << profile.app;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::AdminProfile& profile) {
    argument.beginStructure();
    argument >> profile.name >> profile.app;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::SupervisedSandbox& sandbox) {
    argument.beginStructure();
    argument << sandbox.id << sandbox.profile << sandbox.app << sandbox.pid << sandbox.uid
             << sandbox.notifications << sandbox.violations;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument,
                                mamori::gui::SupervisedSandbox& sandbox) {
    argument.beginStructure();
    argument >> sandbox.id >> sandbox.profile >> sandbox.app >> sandbox.pid >> sandbox.uid >>
        sandbox.notifications >> sandbox.violations;
    argument.endStructure();
    return argument;
}
