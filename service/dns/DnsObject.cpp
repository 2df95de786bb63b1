#include "dns/DnsObject.h"

#include "common/Errors.h"
#include "common/Names.h"

#include <set>

namespace mamori::dns {
namespace {

const std::vector<std::string> kSettingsProperties{"Resolvers", "DefaultTarget", "ShardResolvers",
                                                   "Assignments", "ExposureThreshold"};

uint64_t microsSinceEpoch(std::chrono::system_clock::time_point time) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
}

std::string_view sourceName(ExposureSource source) {
    return source == ExposureSource::Stub ? names::dns::kSourceMamori
                                          : names::dns::kSourceBypassing;
}

template <typename Value>
Value typed(const std::map<std::string, sdbus::Variant>& settings, const std::string& key,
            const char* expected) {
    const auto& variant = settings.at(key);
    if (!variant.containsValueOfType<Value>()) {
        throw MamoriError(ErrorCode::InvalidArgs, "settings: '" + key + "' must be of type " +
                                                      expected + ", got " +
                                                      variant.peekValueType());
    }
    return variant.get<Value>();
}

// The a{sv} of AddResolver as a resolver; unknown keys and wrong types are refused by name.
ResolverConfig resolverFromSettings(const std::string& id,
                                    const std::map<std::string, sdbus::Variant>& settings) {
    static const std::set<std::string> known{"name",     "address", "protocol", "port",
                                             "tls_name", "pin",     "ca_file"};
    for (const auto& [key, value] : settings) {
        if (known.count(key) == 0) {
            throw MamoriError(ErrorCode::InvalidArgs,
                              "settings: unknown key '" + key + "' (known: name, address, " +
                                  "protocol, port, tls_name, pin, ca_file)");
        }
    }
    for (const char* required : {"address", "protocol"}) {
        if (settings.count(required) == 0) {
            throw MamoriError(ErrorCode::InvalidArgs,
                              std::string("settings: '") + required + "' is required");
        }
    }
    ResolverConfig resolver;
    resolver.endpoint.id = id;
    const auto protocolText = typed<std::string>(settings, "protocol", "s");
    const auto protocol = parseProtocol(protocolText);
    if (!protocol) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "settings: protocol must be do53 or dot, got '" + protocolText + "'");
    }
    resolver.endpoint.protocol = *protocol;
    resolver.endpoint.address = typed<std::string>(settings, "address", "s");
    resolver.endpoint.port = *protocol == Protocol::DoT ? 853 : 53;
    if (settings.count("port") != 0) {
        resolver.endpoint.port = typed<uint16_t>(settings, "port", "q");
    }
    const auto optionalText = [&](const char* key) {
        return settings.count(key) != 0 ? typed<std::string>(settings, key, "s") : std::string();
    };
    resolver.displayName = optionalText("name");
    resolver.endpoint.tlsName = optionalText("tls_name");
    resolver.endpoint.spkiPin = optionalText("pin");
    resolver.endpoint.caFile = optionalText("ca_file");
    return resolver;
}

} // namespace

DnsObject::DnsObject(sdbus::IConnection& connection, Context context)
    : AdaptorInterfaces(connection, std::string(names::kRootPath))
    , context_(std::move(context)) {
    registerAdaptor();
}

DnsObject::~DnsObject() {
    unregisterAdaptor();
}

DnsEngine::Events DnsObject::events() {
    return {[this] { announceSettings(); },
            [this](const ResolverExposure& exposure, double threshold) {
                emitExposureWarning(exposure.resolver, std::string(sourceName(exposure.source)),
                                    exposure.totals.entropyBits, exposure.totals.distinctDomains,
                                    threshold);
            },
            [this](const DohAppRow& row) {
                emitDohDetected(row.app, row.server, std::string(dohSeenByName(row.seenBy)));
            }};
}

void DnsObject::engineStateChanged() {
    // Status and the counters are not announced (they change with every query); a client
    // reads them again when Manager's Engines property changes.
}

void DnsObject::announceSettings() {
    emitPropertiesChangedSignal(std::string(names::iface::kDns), kSettingsProperties);
}

std::map<std::string, sdbus::Variant> DnsObject::Status() {
    const auto status = context_.engine().status();
    return {{"state", sdbus::Variant(status.state)},
            {"detail", sdbus::Variant(status.detail)},
            {"stub_port", sdbus::Variant(status.stubPort)},
            {"queries", sdbus::Variant(status.queries)},
            {"answered", sdbus::Variant(status.answered)},
            {"servfail", sdbus::Variant(status.servfail)},
            {"unknown_app", sdbus::Variant(status.unknownApp)},
            {"guard_dropped", sdbus::Variant(status.guardDropped)},
            {"guard_interfaces", sdbus::Variant(status.guardInterfaces)},
            {"doh_monitor", sdbus::Variant(status.dohMonitor)},
            {"doh_libraries", sdbus::Variant(status.dohLibraries)},
            {"doh_probed_processes", sdbus::Variant(status.dohProbedProcesses)}};
}

DnsObject::ResolverList DnsObject::Resolvers() {
    ResolverList out;
    for (const auto& resolver : context_.engine().settings().resolvers()) {
        const auto& e = resolver.endpoint;
        out.emplace_back(e.id, resolver.displayName, e.address, e.port,
                         std::string(protocolName(e.protocol)), e.tlsName, e.spkiPin, e.caFile);
    }
    return out;
}

DnsObject::HealthList DnsObject::ResolverHealth() {
    HealthList out;
    for (const auto& row : context_.engine().resolverHealth()) {
        out.emplace_back(row.id, row.healthy, row.answered, row.failed, row.guardPackets,
                         row.guardBytes);
    }
    return out;
}

std::string DnsObject::DefaultTarget() {
    return context_.engine().settings().defaultTarget();
}

std::vector<std::string> DnsObject::ShardResolvers() {
    return context_.engine().settings().shardResolvers();
}

std::map<std::string, std::string> DnsObject::Assignments() {
    const auto& assignments = context_.engine().settings().assignments();
    return {assignments.begin(), assignments.end()};
}

DnsObject::AppList DnsObject::Apps() {
    AppList out;
    for (const auto& row : context_.engine().apps()) {
        out.emplace_back(row.app, row.target, row.queries, microsSinceEpoch(row.lastQuery));
    }
    return out;
}

DnsObject::ExposureList DnsObject::Exposure() {
    ExposureList out;
    for (const auto& row : context_.engine().exposure().resolvers()) {
        out.emplace_back(row.resolver, std::string(sourceName(row.source)), row.totals.queries,
                         row.totals.distinctDomains, row.totals.entropyBits);
    }
    return out;
}

DnsObject::ExposureList DnsObject::AppExposure() {
    ExposureList out;
    for (const auto& row : context_.engine().exposure().apps()) {
        out.emplace_back(row.resolver, row.app, row.totals.queries, row.totals.distinctDomains,
                         row.totals.entropyBits);
    }
    return out;
}

DnsObject::DohAppList DnsObject::DohApps() {
    DohAppList out;
    for (const auto& row : context_.engine().dohApps()) {
        out.emplace_back(row.app, row.server, std::string(dohSeenByName(row.seenBy)), row.questions,
                         row.connections);
    }
    return out;
}

double DnsObject::ExposureThreshold() {
    return context_.engine().settings().exposureThresholdBits();
}

void DnsObject::changeThen(sdbus::Result<>&& result, std::function<void(DnsEngine&)> change) {
    context_.authorizer.authorizeThen(getObject(), std::move(result),
                                      [this, change = std::move(change)](sdbus::Result<>& reply) {
                                          change(context_.engine());
                                          reply.returnResults();
                                      });
}

void DnsObject::AddResolver(sdbus::Result<>&& result, std::string id,
                            std::map<std::string, sdbus::Variant> settings) {
    changeThen(
        std::move(result), [id = std::move(id), settings = std::move(settings)](DnsEngine& engine) {
            auto resolver = resolverFromSettings(id, settings);
            engine.changeSettings([&](DnsSettings& s) { s.addResolver(std::move(resolver)); });
        });
}

void DnsObject::RemoveResolver(sdbus::Result<>&& result, std::string id) {
    changeThen(std::move(result), [id = std::move(id)](DnsEngine& engine) {
        engine.changeSettings([&](DnsSettings& s) { s.removeResolver(id); });
    });
}

void DnsObject::SetAssignment(sdbus::Result<>&& result, std::string app, std::string target) {
    changeThen(std::move(result),
               [app = std::move(app), target = std::move(target)](DnsEngine& engine) {
                   engine.changeSettings([&](DnsSettings& s) { s.setAssignment(app, target); });
               });
}

void DnsObject::SetDefaultTarget(sdbus::Result<>&& result, std::string target) {
    changeThen(std::move(result), [target = std::move(target)](DnsEngine& engine) {
        engine.changeSettings([&](DnsSettings& s) { s.setDefault(target); });
    });
}

void DnsObject::SetShardResolvers(sdbus::Result<>&& result, std::vector<std::string> ids) {
    changeThen(std::move(result), [ids = std::move(ids)](DnsEngine& engine) {
        engine.changeSettings([&](DnsSettings& s) { s.setShardResolvers(ids); });
    });
}

void DnsObject::RestoreShippedResolvers(sdbus::Result<>&& result) {
    changeThen(std::move(result), [](DnsEngine& engine) { engine.restoreShippedResolvers(); });
}

void DnsObject::SetExposureThreshold(sdbus::Result<>&& result, double bits) {
    changeThen(std::move(result), [bits](DnsEngine& engine) { engine.setExposureThreshold(bits); });
}

void DnsObject::ResetExposure(sdbus::Result<>&& result, std::string resolver) {
    changeThen(std::move(result), [resolver = std::move(resolver)](DnsEngine& engine) {
        engine.resetExposure(resolver);
    });
}

} // namespace mamori::dns
