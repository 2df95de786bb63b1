// The DoH monitor as the DNS engine runs it: the probes in the TLS libraries (DohProbes), one
// decoder per TLS connection (DohStreamDecoder), and the verdict of each decoder handed back to
// the kernel, so that connections that are not DNS over HTTPS stop costing copies. Every DNS
// question an app asked its own DoH server comes out through the callback, with the server's
// name (the TLS server name, else the HTTP authority) and the process it came from.
#pragma once

#include "common/EngineHooks.h"
#include "dns/doh/DohProbes.h"
#include "dns/doh/DohStreamDecoder.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mamori::dns {

struct DohSighting {
    std::uint32_t pid = 0;
    std::uint64_t cgroupId = 0;
    std::string comm;
    std::string server;
    std::string qname;
    std::uint16_t qtype = 0;
};

class DohMonitor {
public:
    using OnQuestion = std::function<void(const DohSighting&)>;

    // At most this many TLS connections are followed at once; the least recently active one
    // is forgotten first (its kernel state ages out on its own). A decoder can hold about
    // 1 MiB under hostile input, so this also bounds what a process feeding garbage costs.
    static constexpr std::size_t kMaxConnections = 512;

    // Loads and attaches the probes (in the scope's processes, see DohProbes) and starts
    // watching their ring buffer on the loop. Throws kernel::BpfError (or std::system_error)
    // when the probes cannot run here.
    DohMonitor(EngineHooks hooks, OnQuestion onQuestion,
               DohProbes::Scope scope = DohProbes::Scope::AllProcesses);
    ~DohMonitor();
    DohMonitor(const DohMonitor&) = delete;
    DohMonitor& operator=(const DohMonitor&) = delete;

    // WatchedProcesses scope: probe this process from now on (DohProbes::watchProcess).
    // `server`: the DoH server it connected to, named for its questions when neither the TLS
    // server name nor the HTTP authority was seen (a connection joined after it started).
    bool watchProcess(pid_t pid, const std::string& server = {});
    std::size_t watchedProcesses() const { return probes_->watchedProcesses(); }

    std::vector<std::string> libraries() const;
    DohProbes::Counters counters() const { return probes_->counters(); }

private:
    struct Connection {
        DohStreamDecoder decoder;
        std::string serverName;
        ConnectionVerdict told = ConnectionVerdict::Undecided;
        std::uint64_t lastUse = 0;
    };
    using Key = std::pair<std::uint32_t, std::uint64_t>; // (pid, SSL* / session)

    void onEvent(const TlsEvent& event);
    Connection& connection(const Key& key);
    void report(const TlsEvent& event, Connection& connection);
    std::string serverOf(const TlsEvent& event, const Connection& connection,
                         const DohQuestion& question) const;

    EngineHooks hooks_;
    OnQuestion onQuestion_;
    std::unique_ptr<DohProbes> probes_;
    std::map<Key, Connection> connections_;
    // The DoH server each watched process last connected to (its address).
    std::map<std::uint32_t, std::string> serverOfProcess_;
    std::uint64_t clock_ = 0;
};

} // namespace mamori::dns
