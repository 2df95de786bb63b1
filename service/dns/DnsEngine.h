// The DNS engine as mamorid runs it: the user's settings (resolvers, per-app targets), and
// while switched on the kernel steering, the app watcher, the local stub, one transport per
// resolver, the XDP guard and the exposure ledger. Settings and exposure live while the engine
// is off too, so they can be changed and shown before it is switched on.
//
// A query's way: kernel steering -> DnsStub (app from the stub address) -> AppDirectory (app
// id) -> DnsSettings (target) -> QueryRouter (resolvers in order) -> QueryForwarder (failover)
// -> answer to the app; the resolver that answered learns the name (ExposureLedger).
#pragma once

#include "common/EngineHooks.h"
#include "dns/AppDirectory.h"
#include "dns/DnsConfig.h"
#include "dns/DnsSettings.h"
#include "dns/DnsStub.h"
#include "dns/DohActivity.h"
#include "dns/ExposureLedger.h"
#include "dns/QueryRouter.h"
#include "dns/RegistrableDomain.h"
#include "dns/UpstreamPool.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mamori::dns {

struct DohSighting;

struct DnsStatus {
    std::string state;  // names::dns::kState*
    std::string detail; // why it failed, or what it runs on
    std::uint16_t stubPort = 0;
    std::uint64_t queries = 0;
    std::uint64_t answered = 0;
    std::uint64_t servfail = 0;
    std::uint64_t unknownApp = 0;
    std::uint64_t guardDropped = 0;
    std::vector<std::string> guardInterfaces;
    std::string dohMonitor = "off"; // "running", "off", or why it cannot run
    std::vector<std::string> dohLibraries;
    std::uint32_t dohProbedProcesses = 0;
};

struct ResolverHealthRow {
    std::string id;
    bool healthy = false;
    std::uint64_t answered = 0;
    std::uint64_t failed = 0;
    std::uint64_t guardPackets = 0;
    std::uint64_t guardBytes = 0;
};

struct DnsAppRow {
    std::string app;
    std::string target;
    std::uint64_t queries = 0;
    AppDirectory::Clock::time_point lastQuery;
};

class DnsEngine {
public:
    struct Events {
        // Resolvers, targets, shard set or threshold changed.
        std::function<void()> settingsChanged;
        // A resolver's exposure reached the threshold.
        std::function<void(const ResolverExposure& exposure, double threshold)> exposureWarning;
        // An app was seen doing its own DoH to a server for the first time.
        std::function<void(const DohAppRow& row)> dohDetected;
    };

    // Loads the settings (the state file, else the shipped list), the app directory and the
    // ledger from `stateDirectory`. Throws MamoriError(BadConfig) only for a broken shipped
    // list; a broken state file is kept aside and the shipped list used.
    DnsEngine(EngineHooks hooks, DnsConfig config, const std::filesystem::path& stateDirectory,
              Events events);
    ~DnsEngine();
    DnsEngine(const DnsEngine&) = delete;
    DnsEngine& operator=(const DnsEngine&) = delete;

    // Starts the stub and attaches the steering (and the guard). Throws MamoriError(Failed)
    // naming what failed; nothing stays attached then.
    void start();
    // Detaches everything: DNS goes straight to the system's resolvers again.
    void stop();
    bool running() const noexcept { return running_ != nullptr; }

    const DnsSettings& settings() const noexcept { return settings_; }
    // Applies `edit` to a copy, saves it, then makes it current: an edit that throws or a
    // save that fails (MamoriError StateNotSaved) changes nothing.
    void changeSettings(const std::function<void(DnsSettings&)>& edit);
    void restoreShippedResolvers();

    std::vector<DnsAppRow> apps() const;
    std::vector<DohAppRow> dohApps() const { return doh_.rows(); }
    const ExposureLedger& exposure() const noexcept { return ledger_; }
    // "" resets every resolver; MamoriError(NotFound) for a resolver nothing is known about.
    void resetExposure(const std::string& resolver);
    void setExposureThreshold(double bits);

    DnsStatus status() const;
    std::vector<ResolverHealthRow> resolverHealth() const;

    // Saves the ledger and the app list if they changed (also done every 30 s and on stop).
    void saveState();

private:
    struct Running;

    void apply();
    void applyCommFallbacks();
    void applyGuard();
    void appAdded(std::uint64_t cgroupId, const std::string& appId);
    void handleQuery(DnsStub::StubQuery query, DnsStub::Reply reply);
    void noteWarnings();
    void scheduleSave();
    void applyDohEndpoints();
    void startDohMonitor();
    void probeDohClients();
    void noteDohQuestion(const DohSighting& sighting);
    void pollDohConnections();
    void noteDoh(bool added, const std::string& app, const std::string& server, DohSeenBy seenBy);

    EngineHooks hooks_;
    DnsConfig config_;
    std::filesystem::path settingsFile_;
    Events events_;
    DnsSettings settings_;
    AppDirectory apps_;
    ExposureLedger ledger_;
    RegistrableDomain registrable_;
    QueryRouter router_;
    UpstreamPool pool_;
    std::unique_ptr<Running> running_;
    std::string failure_;
    std::optional<std::uint64_t> saveTimer_;
    DohActivity doh_;
};

} // namespace mamori::dns
