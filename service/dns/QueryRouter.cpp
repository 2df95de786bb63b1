#include "dns/QueryRouter.h"

#include "common/Names.h"
#include "dns/DnsSettings.h"

#include <algorithm>

namespace mamori::dns {
namespace {

int protection(Protocol protocol) {
    return protocol == Protocol::Do53 ? 0 : 1;
}

} // namespace

std::vector<std::string> QueryRouter::route(const DnsSettings& settings, std::string_view target,
                                            std::string_view registrableDomain) const {
    const auto shardSet = settings.shardResolvers();
    auto order = sharder_.order(registrableDomain, shardSet);
    if (target != names::dns::kShardTarget && settings.resolver(target) != nullptr) {
        std::erase(order, std::string(target));
        order.insert(order.begin(), std::string(target));
    }
    if (order.empty()) {
        return order;
    }
    const auto* first = settings.resolver(order.front());
    const int floor = first == nullptr ? 0 : protection(first->endpoint.protocol);
    std::erase_if(order, [&](const std::string& id) {
        const auto* resolver = settings.resolver(id);
        return resolver == nullptr || protection(resolver->endpoint.protocol) < floor;
    });
    return order;
}

} // namespace mamori::dns
