// Client side of org.mamori.Mamori1.Dns for mamorictl and the tests: the generated proxy bound to
// mamorid's name and root path, plain views of its properties and of the ExposureWarning signal.
#pragma once

#include "common/Names.h"
#include "org.mamori.Mamori1.Dns.proxy.h"

#include <cstdint>
#include <functional>
#include <map>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <type_traits>
#include <vector>

namespace mamori {

// One entry of the Resolvers property.
struct ResolverView {
    std::string id;
    std::string name; // may be empty: then people see the id
    std::string address;
    uint16_t port = 0;
    std::string protocol; // "do53" or "dot"
    std::string tlsName;
    std::string pin;    // base64 SHA-256 of the server's public key; empty: none
    std::string caFile; // empty: the system's CA store
};

// One entry of ResolverHealth (filled only while the engine runs).
struct ResolverHealthView {
    std::string id;
    bool healthy = false;
    uint64_t answered = 0;
    uint64_t failed = 0;
    uint64_t guardPackets = 0; // answers from it the XDP guard counted
    uint64_t guardBytes = 0;
};

// One entry of Apps: an app whose queries the stub has seen.
struct DnsAppView {
    std::string app; // empty: processes without an app
    std::string target;
    uint64_t queries = 0;
    uint64_t lastQueryUsec = 0; // since the Unix epoch
};

// One entry of Exposure or AppExposure: what a resolver has learned.
struct ExposureView {
    std::string resolver;
    std::string source; // Exposure only: names::dns::kSourceMamori or kSourceBypassing
    std::string app;    // AppExposure only; empty: processes without an app
    uint64_t queries = 0;
    uint64_t domains = 0; // distinct registrable domains
    double bits = 0.0;    // Shannon entropy of their distribution
};

struct ExposureWarningView {
    std::string resolver;
    std::string source;
    double bits = 0.0;
    uint64_t domains = 0;
    double threshold = 0.0;
};

// One entry of DohApps, or a DohDetected signal (questions and connections 0 then).
struct DohAppView {
    std::string app; // "" = processes of no app
    std::string server;
    std::string seenBy; // "tls-library" or "destination"
    uint64_t questions = 0;
    uint64_t connections = 0;
};

// The Status property.
struct DnsStatusView {
    std::string state; // names::dns::kStateRunning, kStateStopped or kStateFailed
    std::string detail;
    uint16_t stubPort = 0;
    uint64_t queries = 0;
    uint64_t answered = 0;
    uint64_t servfail = 0;
    uint64_t unknownApp = 0;
    uint64_t guardDropped = 0;
    std::vector<std::string> guardInterfaces;
    std::string dohMonitor; // "running", "off (...)" or why it cannot run
    uint32_t dohProbedProcesses = 0;

    bool running() const { return state == names::dns::kStateRunning; }

    // Missing keys keep their defaults (an older mamorid may not have them all).
    static DnsStatusView fromProperties(const std::map<std::string, sdbus::Variant>& status) {
        DnsStatusView view;
        const auto get = [&](const char* key, auto& into) {
            const auto it = status.find(key);
            if (it != status.end()) {
                into = it->second.get<std::remove_reference_t<decltype(into)>>();
            }
        };
        get("state", view.state);
        get("detail", view.detail);
        get("stub_port", view.stubPort);
        get("queries", view.queries);
        get("answered", view.answered);
        get("servfail", view.servfail);
        get("unknown_app", view.unknownApp);
        get("guard_dropped", view.guardDropped);
        get("guard_interfaces", view.guardInterfaces);
        get("doh_monitor", view.dohMonitor);
        get("doh_probed_processes", view.dohProbedProcesses);
        return view;
    }
};

class DnsClient final : public sdbus::ProxyInterfaces<org::mamori::Mamori1::Dns_proxy> {
public:
    // Signals arrive only while the connection's event loop runs; set this before it does.
    std::function<void(const ExposureWarningView&)> exposureWarning;
    std::function<void(const DohAppView&)> dohDetected;

    explicit DnsClient(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, std::string(names::kBusName), std::string(names::kRootPath)) {
        registerProxy();
    }
    ~DnsClient() { unregisterProxy(); }
    DnsClient(const DnsClient&) = delete;
    DnsClient& operator=(const DnsClient&) = delete;

    DnsStatusView status() { return DnsStatusView::fromProperties(Status()); }

    std::vector<ResolverView> resolvers() {
        std::vector<ResolverView> out;
        for (const auto& r : Resolvers()) {
            out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(),
                           r.get<6>(), r.get<7>()});
        }
        return out;
    }

    std::vector<ResolverHealthView> resolverHealth() {
        std::vector<ResolverHealthView> out;
        for (const auto& h : ResolverHealth()) {
            out.push_back({h.get<0>(), h.get<1>(), h.get<2>(), h.get<3>(), h.get<4>(), h.get<5>()});
        }
        return out;
    }

    std::vector<DnsAppView> apps() {
        std::vector<DnsAppView> out;
        for (const auto& a : Apps()) {
            out.push_back({a.get<0>(), a.get<1>(), a.get<2>(), a.get<3>()});
        }
        return out;
    }

    std::vector<ExposureView> exposure() {
        std::vector<ExposureView> out;
        for (const auto& e : Exposure()) {
            out.push_back({e.get<0>(), e.get<1>(), {}, e.get<2>(), e.get<3>(), e.get<4>()});
        }
        return out;
    }

    std::vector<ExposureView> appExposure() {
        std::vector<ExposureView> out;
        for (const auto& e : AppExposure()) {
            out.push_back({e.get<0>(), {}, e.get<1>(), e.get<2>(), e.get<3>(), e.get<4>()});
        }
        return out;
    }

    std::vector<DohAppView> dohApps() {
        std::vector<DohAppView> out;
        for (const auto& d : DohApps()) {
            out.push_back({d.get<0>(), d.get<1>(), d.get<2>(), d.get<3>(), d.get<4>()});
        }
        return out;
    }

private:
    void onDohDetected(const std::string& app, const std::string& server,
                       const std::string& seenBy) override {
        if (dohDetected) {
            dohDetected({app, server, seenBy, 0, 0});
        }
    }

    void onExposureWarning(const std::string& resolver, const std::string& source,
                           const double& bits, const uint64_t& domains,
                           const double& threshold) override {
        if (exposureWarning) {
            exposureWarning({resolver, source, bits, domains, threshold});
        }
    }
};

} // namespace mamori
