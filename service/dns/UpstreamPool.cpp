#include "dns/UpstreamPool.h"

#include "common/Log.h"
#include "dns/DnsSettings.h"

#include <tuple>

namespace mamori::dns {
namespace {

bool sameEndpoint(const ResolverEndpoint& a, const ResolverEndpoint& b) {
    return std::tie(a.address, a.port, a.protocol, a.tlsName, a.spkiPin, a.caFile) ==
           std::tie(b.address, b.port, b.protocol, b.tlsName, b.spkiPin, b.caFile);
}

} // namespace

UpstreamPool::UpstreamPool(EngineHooks hooks, UpstreamOptions options)
    : hooks_(std::move(hooks))
    , options_(options) {}

void UpstreamPool::configure(const std::vector<ResolverConfig>& resolvers) {
    std::map<std::string, Entry, std::less<>> next;
    order_.clear();
    for (const auto& resolver : resolvers) {
        const auto& endpoint = resolver.endpoint;
        order_.push_back(endpoint.id);
        const auto old = entries_.find(endpoint.id);
        if (old != entries_.end() && sameEndpoint(old->second.upstream->endpoint(), endpoint)) {
            next.emplace(endpoint.id, std::move(old->second));
            continue;
        }
        try {
            next.emplace(endpoint.id, Entry{makeUpstream(endpoint, hooks_, options_)});
        } catch (const std::exception& e) {
            log::warning("DNS resolver " + endpoint.id + " cannot be used: " + e.what());
        }
    }
    entries_ = std::move(next);
}

std::shared_ptr<Upstream> UpstreamPool::get(std::string_view id) const {
    const auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->second.upstream;
}

void UpstreamPool::recordAnswer(std::string_view id) {
    const auto it = entries_.find(id);
    if (it == entries_.end()) {
        return;
    }
    ++it->second.answered;
    if (it->second.warned) {
        it->second.warned = false;
        log::notice("DNS resolver " + it->first + " answers again");
    }
}

void UpstreamPool::recordFailure(std::string_view id, std::string_view reason) {
    const auto it = entries_.find(id);
    if (it == entries_.end()) {
        return;
    }
    ++it->second.failed;
    if (!it->second.warned) {
        it->second.warned = true;
        log::warning("DNS resolver " + it->first + " failed: " + std::string(reason));
    }
}

std::vector<UpstreamPool::Health> UpstreamPool::health() const {
    std::vector<Health> out;
    for (const auto& id : order_) {
        const auto it = entries_.find(id);
        if (it == entries_.end()) {
            out.push_back({id, false, 0, 0});
            continue;
        }
        out.push_back({id, it->second.upstream->healthy(), it->second.answered, it->second.failed});
    }
    return out;
}

void UpstreamPool::clear() {
    entries_.clear();
    order_.clear();
}

} // namespace mamori::dns
