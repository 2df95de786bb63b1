// Which resolvers a query is tried on, in order. First the target's choice: the assigned
// resolver, or for "shard" the shard resolver the name's registrable domain belongs to. Then,
// so that a failing resolver loses nothing, the other shard resolvers in that domain's
// rendezvous order: the domains of a failed resolver spread over the rest while every other
// domain stays where it was. A query never falls back to a less protected transport than its
// first choice (from DoT only to DoT): failover must not put a query in clear.
#pragma once

#include "dns/ResolverSharder.h"

#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

class DnsSettings;

class QueryRouter {
public:
    // `target` is a resolver id or "shard" (DnsSettings::targetFor). Unknown ids are skipped,
    // so a stale target yields the shard set rather than nothing.
    std::vector<std::string> route(const DnsSettings& settings, std::string_view target,
                                   std::string_view registrableDomain) const;

private:
    ResolverSharder sharder_;
};

} // namespace mamori::dns
