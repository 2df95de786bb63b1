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
    qDBusRegisterMetaType<Resolver>();
    qDBusRegisterMetaType<ResolverHealth>();
    qDBusRegisterMetaType<DnsApp>();
    qDBusRegisterMetaType<Exposure>();
    qDBusRegisterMetaType<MamoriResolverList>();
    qDBusRegisterMetaType<MamoriResolverHealthList>();
    qDBusRegisterMetaType<MamoriDnsAppList>();
    qDBusRegisterMetaType<MamoriExposureList>();
    qDBusRegisterMetaType<MamoriStringMap>();
    qDBusRegisterMetaType<DohApp>();
    qDBusRegisterMetaType<MamoriDohAppList>();
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

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::Resolver& value) {
    argument.beginStructure();
    argument << value.id << value.name << value.address << value.port << value.protocol
             << value.tlsName << value.pin << value.caFile;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::Resolver& value) {
    argument.beginStructure();
    argument >> value.id >> value.name >> value.address >> value.port >> value.protocol >>
        value.tlsName >> value.pin >> value.caFile;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::ResolverHealth& value) {
    argument.beginStructure();
    argument << value.id << value.healthy << value.answered << value.failed << value.guardPackets
             << value.guardBytes;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::ResolverHealth& value) {
    argument.beginStructure();
    argument >> value.id >> value.healthy >> value.answered >> value.failed >> value.guardPackets >>
        value.guardBytes;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::DnsApp& value) {
    argument.beginStructure();
    argument << value.app << value.target << value.queries << value.lastQueryMicros;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::DnsApp& value) {
    argument.beginStructure();
    argument >> value.app >> value.target >> value.queries >> value.lastQueryMicros;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::Exposure& value) {
    argument.beginStructure();
    argument << value.resolver << value.sourceOrApp << value.queries << value.distinctDomains
             << value.entropyBits;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::Exposure& value) {
    argument.beginStructure();
    argument >> value.resolver >> value.sourceOrApp >> value.queries >> value.distinctDomains >>
        value.entropyBits;
    argument.endStructure();
    return argument;
}

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::DohApp& value) {
    argument.beginStructure();
    argument << value.app << value.server << value.seenBy << value.questions << value.connections;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::DohApp& value) {
    argument.beginStructure();
    argument >> value.app >> value.server >> value.seenBy >> value.questions >> value.connections;
    argument.endStructure();
    return argument;
}
