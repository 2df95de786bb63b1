#include "dns/doh/DohMonitor.h"

#include <algorithm>

namespace mamori::dns {

DohMonitor::DohMonitor(EngineHooks hooks, OnQuestion onQuestion)
    : hooks_(std::move(hooks))
    , onQuestion_(std::move(onQuestion))
    , probes_(std::make_unique<DohProbes>([this](const TlsEvent& event) { onEvent(event); })) {
    hooks_.watch(probes_->fd(), [this] { probes_->onReadable(); });
}

DohMonitor::~DohMonitor() {
    hooks_.unwatch(probes_->fd());
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

void DohMonitor::report(const TlsEvent& event, Connection& conn) {
    for (const auto& question : conn.decoder.takeQuestions()) {
        const std::string server = !conn.serverName.empty()      ? conn.serverName
                                   : !question.authority.empty() ? question.authority
                                                                 : std::string("unknown server");
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
