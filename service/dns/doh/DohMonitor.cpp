#include "dns/doh/DohMonitor.h"

#include <algorithm>

namespace mamori::dns {

DohMonitor::DohMonitor(EngineHooks hooks, OnQuestion onQuestion, DohProbes::Scope scope)
    : hooks_(std::move(hooks))
    , onQuestion_(std::move(onQuestion))
    , probes_(
          std::make_unique<DohProbes>([this](const TlsEvent& event) { onEvent(event); }, scope)) {
    hooks_.watch(probes_->fd(), [this] { probes_->onReadable(); });
}

DohMonitor::~DohMonitor() {
    hooks_.unwatch(probes_->fd());
}

bool DohMonitor::watchProcess(pid_t pid, const std::string& server) {
    if (!probes_->watchProcess(pid)) {
        return false;
    }
    if (!server.empty()) {
        serverOfProcess_[static_cast<std::uint32_t>(pid)] = server;
    }
    // Processes that exited leave the probes; their hints go along now and then.
    if (serverOfProcess_.size() > 2 * DohProbes::kMaxWatchedProcesses) {
        std::erase_if(serverOfProcess_,
                      [this](const auto& entry) { return !probes_->watches(entry.first); });
    }
    return true;
}

std::vector<std::string> DohMonitor::libraries() const {
    std::vector<std::string> out;
    for (const auto& path : probes_->attachedLibraries()) {
        out.push_back(path.string());
    }
    return out;
}

DohMonitor::Connection& DohMonitor::connection(const Key& key) {
    auto it = connections_.find(key);
    if (it == connections_.end()) {
        if (connections_.size() >= kMaxConnections) {
            const auto oldest = std::min_element(
                connections_.begin(), connections_.end(),
                [](const auto& a, const auto& b) { return a.second.lastUse < b.second.lastUse; });
            connections_.erase(oldest);
        }
        it = connections_.emplace(key, Connection{}).first;
    }
    it->second.lastUse = ++clock_;
    return it->second;
}

void DohMonitor::onEvent(const TlsEvent& event) {
    const Key key{event.pid, event.connection};
    if (event.kind == TlsEvent::Kind::ServerName) {
        // A server name starts a connection: an SSL* freed and allocated again is a new one.
        connections_.erase(key);
        connection(key).serverName.assign(event.data.begin(), event.data.end());
        return;
    }
    auto& conn = connection(key);
    if (event.kind == TlsEvent::Kind::Write) {
        conn.decoder.onWrite(event.data, event.totalLength);
    } else {
        conn.decoder.onRead(event.data, event.totalLength);
    }
    report(event, conn);
}

std::string DohMonitor::serverOf(const TlsEvent& event, const Connection& conn,
                                 const DohQuestion& question) const {
    if (!conn.serverName.empty()) {
        return conn.serverName;
    }
    if (!question.authority.empty()) {
        return question.authority;
    }
    const auto hint = serverOfProcess_.find(event.pid);
    return hint != serverOfProcess_.end() ? hint->second : std::string("unknown server");
}

void DohMonitor::report(const TlsEvent& event, Connection& conn) {
    for (const auto& question : conn.decoder.takeQuestions()) {
        const std::string server = serverOf(event, conn, question);
        onQuestion_(
            {event.pid, event.cgroupId, event.comm, server, question.qname, question.qtype});
    }
    const auto verdict = conn.decoder.verdict();
    if (verdict == conn.told) {
        return;
    }
    conn.told = verdict;
    probes_->setVerdict(event.pid, event.connection, verdict);
    if (verdict == ConnectionVerdict::NotDoh) {
        connections_.erase({event.pid, event.connection}); // nothing more will come
    }
}

} // namespace mamori::dns
