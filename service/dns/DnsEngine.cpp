#include "dns/DnsEngine.h"

#include "common/Errors.h"
#include "common/Log.h"
#include "common/Names.h"
#include "dns/BuiltinResolvers.h"
#include "dns/CgroupAppWatcher.h"
#include "dns/DnsGuard.h"
#include "dns/DnsMessage.h"
#include "dns/DnsSteering.h"
#include "dns/KnownDohServers.h"
#include "dns/QueryForwarder.h"
#include "dns/doh/DohMonitor.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace mamori::dns {
namespace {

constexpr auto kSaveInterval = std::chrono::seconds(30);
constexpr auto kDohPollInterval = std::chrono::seconds(2);
// Firefox asks this name before it turns on its own DoH; NXDOMAIN tells it not to.
constexpr std::string_view kDohCanary = "use-application-dns.net";

bool isCanary(std::string name) {
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return name == kDohCanary;
}

DnsSettings shippedSettings(const DnsConfig& config) {
    if (std::filesystem::exists(config.resolverList)) {
        return DnsSettings::fromShippedList(config.resolverList);
    }
    log::warning("the shipped resolver list " + config.resolverList.string() +
                 " is missing; using the list built into mamorid");
    return DnsSettings::parse(kBuiltinResolverList, "built-in resolver list");
}

DnsSettings loadSettings(const std::filesystem::path& stateFile, const DnsConfig& config) {
    try {
        if (auto stored = DnsSettings::load(stateFile)) {
            return std::move(*stored);
        }
    } catch (const MamoriError& e) {
        const auto aside =
            stateFile.string() + ".corrupt-" +
            std::to_string(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
        std::error_code ignored;
        std::filesystem::rename(stateFile, aside, ignored);
        log::error(std::string(e.what()) + "; kept aside as " + aside +
                   ", starting from the shipped resolver list");
    }
    return shippedSettings(config);
}

std::filesystem::path steeringRoot(const DnsConfig& config) {
    return config.steeringCgroup.empty() ? DnsSteering::cgroupV2Mount() : config.steeringCgroup;
}

} // namespace

// What exists only while the engine runs. Members are built in start() in this order and torn
// down in reverse: steering goes before the stub, so no query is steered to a closed port.
struct DnsEngine::Running {
    std::unique_ptr<QueryForwarder> forwarder;
    std::unique_ptr<DnsStub> stub;
    std::unique_ptr<DnsSteering> steering;
    std::unique_ptr<CgroupAppWatcher> watcher;
    std::unique_ptr<DnsGuard> guard;
    std::filesystem::path cgroup;
    std::set<std::string> commFallbacks;
    std::optional<std::uint64_t> dohPollTimer;
    // The app of each app cgroup, for attributing what the DoH monitor sees.
    std::map<std::uint64_t, std::string> appOfCgroup;
    std::unique_ptr<DohMonitor> doh;
    bool watchingDohClients = false;
    std::string dohState = "off";
    std::uint64_t queries = 0;
    std::uint64_t answered = 0;
    std::uint64_t servfail = 0;
    std::uint64_t unknownApp = 0;
    EngineHooks hooks;

    ~Running() {
        if (dohPollTimer) {
            hooks.cancel(*dohPollTimer);
        }
        if (doh && watchingDohClients) {
            hooks.unwatch(steering->dohClientsFd());
        }
        if (watcher) {
            hooks.unwatch(watcher->fd());
        }
    }
};

DnsEngine::DnsEngine(EngineHooks hooks, DnsConfig config,
                     const std::filesystem::path& stateDirectory, Events events)
    : hooks_(std::move(hooks))
    , config_(std::move(config))
    , settingsFile_(stateDirectory / "dns.conf")
    , events_(std::move(events))
    , settings_(loadSettings(settingsFile_, config_))
    , apps_(stateDirectory / "dns-apps")
    , ledger_(stateDirectory / "dns-exposure", settings_.exposureThresholdBits())
    , pool_(hooks_, UpstreamOptions{}) {}

DnsEngine::~DnsEngine() {
    stop();
    if (saveTimer_) {
        hooks_.cancel(*saveTimer_);
    }
    saveState();
}

void DnsEngine::start() {
    if (running_) {
        return;
    }
    auto running = std::make_unique<Running>();
    running->hooks = hooks_;
    try {
        running->cgroup = steeringRoot(config_);
        running->forwarder =
            std::make_unique<QueryForwarder>(hooks_, QueryForwarder::Options{config_.queryTimeout});
        running->stub = std::make_unique<DnsStub>(
            hooks_, config_.stubPort, [this](DnsStub::StubQuery query, DnsStub::Reply reply) {
                handleQuery(std::move(query), std::move(reply));
            });
        running->steering = std::make_unique<DnsSteering>(running->cgroup, running->stub->port());
        running->watcher = std::make_unique<CgroupAppWatcher>(
            running->cgroup,
            [this](const CgroupAppWatcher::App& app) { appAdded(app.cgroupId, app.appId); },
            [this](const CgroupAppWatcher::App& app) {
                if (running_) {
                    running_->steering->removeApp(app.cgroupId);
                    running_->appOfCgroup.erase(app.cgroupId);
                }
            });
    } catch (const std::exception& e) {
        failure_ = std::string("the DNS engine could not start: ") + e.what();
        throw MamoriError(ErrorCode::Failed, failure_);
    }
    running_ = std::move(running);
    try {
        running_->watcher->start();
        hooks_.watch(running_->watcher->fd(), [this] { running_->watcher->onReadable(); });
    } catch (const std::exception& e) {
        running_.reset();
        failure_ = std::string("the DNS engine could not watch app cgroups: ") + e.what();
        throw MamoriError(ErrorCode::Failed, failure_);
    }
    failure_.clear();
    startDohMonitor();
    apply();
    scheduleSave();
    log::notice("DNS engine started: queries below " + running_->cgroup.string() +
                " go to the stub on port " + std::to_string(running_->stub->port()));
}

void DnsEngine::stop() {
    if (!running_) {
        return;
    }
    running_.reset();
    pool_.clear();
    saveState();
    log::notice("DNS engine stopped: DNS goes straight to the system's resolvers again");
}

void DnsEngine::startDohMonitor() {
    using Scope = DnsConfig::DohMonitorScope;
    if (config_.dohMonitor == Scope::Off) {
        running_->dohState = "off (DohMonitor=false)";
        return;
    }
    const bool everywhere = config_.dohMonitor == Scope::AllProcesses;
    try {
        running_->doh = std::make_unique<DohMonitor>(
            hooks_, [this](const DohSighting& sighting) { noteDohQuestion(sighting); },
            everywhere ? DohProbes::Scope::AllProcesses : DohProbes::Scope::WatchedProcesses);
        running_->dohState = "running";
        if (!everywhere) {
            // Probed from their first connection to a known DoH server on (DnsSteering).
            hooks_.watch(running_->steering->dohClientsFd(), [this] { probeDohClients(); });
            running_->watchingDohClients = true;
        }
    } catch (const std::exception& e) {
        running_->dohState = std::string("cannot run: ") + e.what();
        log::warning("the DoH monitor cannot run, apps' own DoH is only seen by destination: " +
                     std::string(e.what()));
    }
}

void DnsEngine::probeDohClients() {
    running_->steering->consumeDohClients([this](pid_t pid, const std::string& server) {
        try {
            running_->doh->watchProcess(pid, server);
        } catch (const std::exception& e) {
            log::warning("DoH monitor: cannot probe process " + std::to_string(pid) + ": " +
                         e.what());
        }
    });
}

// An app asked its own DoH server: that server learns the name, as a resolver would.
void DnsEngine::noteDohQuestion(const DohSighting& sighting) {
    const auto it = running_->appOfCgroup.find(sighting.cgroupId);
    const std::string app = it != running_->appOfCgroup.end() ? it->second : sighting.comm;
    noteDoh(doh_.noteQuestion(app, sighting.server), app, sighting.server, DohSeenBy::TlsLibrary);
    try {
        ledger_.record(sighting.server, app, registrable_.of(sighting.qname),
                       ExposureSource::BypassingDoh);
    } catch (const std::exception& e) {
        log::debug(std::string("DoH question not accounted: ") + e.what());
    }
    noteWarnings();
}

void DnsEngine::appAdded(std::uint64_t cgroupId, const std::string& appId) {
    if (!running_) {
        return;
    }
    running_->appOfCgroup[cgroupId] = appId;
    const auto index = apps_.indexFor(appId);
    if (!index) {
        log::warning("app " + appId + " cannot get a stub address; its DNS counts as no app's");
        return;
    }
    try {
        running_->steering->setApp(cgroupId, *index);
    } catch (const std::exception& e) {
        log::warning("cannot steer app " + appId + ": " + e.what());
    }
}

// Everything that follows the settings: transports, process-name fallbacks, the guard.
void DnsEngine::apply() {
    ledger_.setThreshold(settings_.exposureThresholdBits());
    noteWarnings();
    if (!running_) {
        return;
    }
    pool_.configure(settings_.resolvers());
    applyCommFallbacks();
    applyGuard();
    applyDohEndpoints();
}

void DnsEngine::applyDohEndpoints() {
    std::set<std::string> endpoints(kKnownDohServers.begin(), kKnownDohServers.end());
    endpoints.insert(config_.dohEndpoints.begin(), config_.dohEndpoints.end());
    for (const auto& resolver : settings_.resolvers()) {
        endpoints.insert(resolver.endpoint.address);
    }
    try {
        running_->steering->setDohEndpoints({endpoints.begin(), endpoints.end()});
    } catch (const std::exception& e) {
        log::warning(std::string("DoH servers cannot be recognised by address: ") + e.what());
    }
    if (!running_->dohPollTimer) {
        pollDohConnections();
    }
}

// The kernel counts connections to known DoH servers per app; new (app, server) pairs are news.
void DnsEngine::pollDohConnections() {
    running_->dohPollTimer = hooks_.after(kDohPollInterval, [this] {
        running_->dohPollTimer.reset();
        pollDohConnections();
    });
    for (const auto& seen : running_->steering->dohConnections()) {
        const auto& app = apps_.byIndex(seen.appIndex).id;
        noteDoh(doh_.noteConnections(app, seen.endpoint, seen.connections), app, seen.endpoint,
                DohSeenBy::Destination);
    }
}

void DnsEngine::noteDoh(bool added, const std::string& app, const std::string& server,
                        DohSeenBy seenBy) {
    if (!added) {
        return;
    }
    log::notice((app.empty() ? std::string("a process of no app") : "app " + app) +
                " does its own DNS over HTTPS with " + server + " (seen by " +
                std::string(dohSeenByName(seenBy)) + "), bypassing Mamori");
    if (events_.dohDetected) {
        for (const auto& row : doh_.rows()) {
            if (row.app == app && row.server == server && row.seenBy == seenBy) {
                events_.dohDetected(row);
            }
        }
    }
}

// An assigned app id that could be a process name (at most 15 characters) also stands for
// processes of that name outside any app unit: the kernel's weak fallback.
void DnsEngine::applyCommFallbacks() {
    std::set<std::string> wanted;
    for (const auto& [appId, target] : settings_.assignments()) {
        if (appId.size() <= DnsSteering::kMaxCommLength) {
            wanted.insert(appId);
        }
    }
    auto& steering = *running_->steering;
    for (const auto& comm : running_->commFallbacks) {
        if (wanted.count(comm) == 0) {
            steering.removeCommFallback(comm);
        }
    }
    for (const auto& comm : wanted) {
        const auto index = apps_.indexFor(comm);
        if (!index) {
            continue;
        }
        try {
            steering.setCommFallback(comm, *index);
        } catch (const std::exception& e) {
            log::warning("cannot steer processes named " + comm + ": " + e.what());
        }
    }
    running_->commFallbacks = std::move(wanted);
}

void DnsEngine::applyGuard() {
    if (!config_.guardEnabled) {
        return;
    }
    std::vector<std::string> addresses;
    for (const auto& resolver : settings_.resolvers()) {
        addresses.push_back(resolver.endpoint.address);
    }
    auto interfaces = config_.guardInterfaces;
    if (interfaces.empty()) {
        interfaces = DnsGuard::interfacesTowards(addresses);
        std::erase(interfaces, std::string("lo"));
    }
    try {
        if (!running_->guard) {
            running_->guard = std::make_unique<DnsGuard>();
        }
        running_->guard->setResolvers(addresses);
    } catch (const std::exception& e) {
        log::warning(std::string("the DNS guard (XDP) is off: ") + e.what());
        running_->guard.reset();
        return;
    }
    auto& guard = *running_->guard;
    for (const auto& attached : guard.attachedInterfaces()) {
        if (std::find(interfaces.begin(), interfaces.end(), attached) == interfaces.end()) {
            guard.detach(attached);
        }
    }
    const auto attached = guard.attachedInterfaces();
    for (const auto& interface : interfaces) {
        if (std::find(attached.begin(), attached.end(), interface) != attached.end()) {
            continue;
        }
        try {
            guard.attach(interface);
        } catch (const std::exception& e) {
            log::warning("the DNS guard cannot watch " + interface + ": " + e.what());
        }
    }
}

void DnsEngine::handleQuery(DnsStub::StubQuery query, DnsStub::Reply reply) {
    auto& running = *running_;
    ++running.queries;
    apps_.recordQuery(query.appIndex);
    const auto& app = apps_.byIndex(query.appIndex);
    if (app.id.empty()) {
        ++running.unknownApp;
    }
    const std::string appId = app.id;
    if (config_.blockDohCanary && isCanary(query.qname)) {
        reply(nxdomain(query.message));
        return;
    }
    const std::string domain = registrable_.of(query.qname);
    const auto target = appId.empty() ? settings_.defaultTarget() : settings_.targetFor(appId);
    std::vector<std::shared_ptr<Upstream>> candidates;
    for (const auto& id : router_.route(settings_, target, domain)) {
        if (auto upstream = pool_.get(id)) {
            candidates.push_back(std::move(upstream));
        }
    }
    running.forwarder->forward(
        std::move(query.message), std::move(candidates),
        [this, appId, domain, reply = std::move(reply)](ForwardOutcome outcome) {
            for (const auto& failure : outcome.failures) {
                const auto colon = failure.find(':');
                pool_.recordFailure(failure.substr(0, colon), failure);
            }
            if (running_) {
                ++(outcome.resolverId.empty() ? running_->servfail : running_->answered);
            }
            if (!outcome.resolverId.empty()) {
                pool_.recordAnswer(outcome.resolverId);
                ledger_.record(outcome.resolverId, appId, domain);
                noteWarnings();
            }
            reply(std::move(outcome.answer));
        });
}

void DnsEngine::noteWarnings() {
    for (const auto& warning : ledger_.takeWarnings()) {
        log::warning("DNS resolver " + warning.resolver + " has seen " +
                     std::to_string(warning.totals.distinctDomains) + " registrable domains (" +
                     std::to_string(warning.totals.entropyBits) +
                     " bits), above the threshold of " + std::to_string(ledger_.threshold()));
        if (events_.exposureWarning) {
            events_.exposureWarning(warning, ledger_.threshold());
        }
    }
}

void DnsEngine::changeSettings(const std::function<void(DnsSettings&)>& edit) {
    DnsSettings next = settings_;
    edit(next);
    next.save(settingsFile_);
    settings_ = std::move(next);
    apply();
    if (events_.settingsChanged) {
        events_.settingsChanged();
    }
}

void DnsEngine::restoreShippedResolvers() {
    const auto shipped = shippedSettings(config_);
    changeSettings([&](DnsSettings& settings) { settings.replaceResolversWith(shipped); });
}

std::vector<DnsAppRow> DnsEngine::apps() const {
    std::vector<DnsAppRow> rows;
    for (const auto& app : apps_.seen()) {
        const auto target =
            app.id.empty() ? settings_.defaultTarget() : settings_.targetFor(app.id);
        rows.push_back({app.id, target, app.queries, app.lastQuery});
    }
    return rows;
}

void DnsEngine::resetExposure(const std::string& resolver) {
    if (!resolver.empty() && settings_.resolver(resolver) == nullptr &&
        ledger_.totals(resolver).queries == 0) {
        throw MamoriError(ErrorCode::NotFound, "resolver: no resolver '" + resolver + "'");
    }
    ledger_.reset(resolver);
    saveState();
}

void DnsEngine::setExposureThreshold(double bits) {
    changeSettings([bits](DnsSettings& settings) { settings.setExposureThresholdBits(bits); });
}

DnsStatus DnsEngine::status() const {
    DnsStatus status;
    if (!running_) {
        status.state =
            std::string(failure_.empty() ? names::dns::kStateStopped : names::dns::kStateFailed);
        status.detail = failure_;
        return status;
    }
    status.state = std::string(names::dns::kStateRunning);
    status.detail = "steering " + running_->cgroup.string();
    status.stubPort = running_->stub->port();
    status.queries = running_->queries;
    status.answered = running_->answered;
    status.servfail = running_->servfail;
    status.unknownApp = running_->unknownApp;
    if (running_->guard) {
        status.guardDropped = running_->guard->dropped().packets;
        status.guardInterfaces = running_->guard->attachedInterfaces();
    }
    status.dohMonitor = running_->dohState;
    if (running_->doh) {
        status.dohLibraries = running_->doh->libraries();
        status.dohProbedProcesses = static_cast<std::uint32_t>(running_->doh->watchedProcesses());
    }
    return status;
}

std::vector<ResolverHealthRow> DnsEngine::resolverHealth() const {
    std::vector<ResolverHealthRow> rows;
    if (!running_) {
        return rows;
    }
    const auto traffic =
        running_->guard ? running_->guard->traffic() : std::vector<DnsGuard::ResolverTraffic>{};
    std::size_t slot = 0;
    for (const auto& health : pool_.health()) {
        ResolverHealthRow row{health.id, health.healthy, health.answered, health.failed, 0, 0};
        if (slot < traffic.size()) {
            row.guardPackets = traffic[slot].packets;
            row.guardBytes = traffic[slot].bytes;
        }
        ++slot;
        rows.push_back(row);
    }
    return rows;
}

void DnsEngine::saveState() {
    try {
        if (ledger_.dirty()) {
            ledger_.save();
        }
        if (apps_.dirty()) {
            apps_.save();
        }
    } catch (const std::exception& e) {
        log::warning(std::string("cannot save the DNS exposure and app list: ") + e.what());
    }
}

void DnsEngine::scheduleSave() {
    if (saveTimer_) {
        return;
    }
    saveTimer_ = hooks_.after(kSaveInterval, [this] {
        saveTimer_.reset();
        saveState();
        if (running_) {
            scheduleSave();
        }
    });
}

} // namespace mamori::dns
