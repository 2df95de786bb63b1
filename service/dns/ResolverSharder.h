// Which resolver a registrable domain belongs to when queries are sharded: rendezvous (highest
// random weight) hashing. Each resolver sees a stable share of the user's domains, the same on
// every run and every machine (the weight is SHA-256 of resolver id and domain, nothing seeded),
// and taking a resolver out moves only the domains that were on it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

class ResolverSharder {
public:
    // Every distinct id of `resolverIds`, the domain's own resolver first, then where its queries
    // go when that one is unhealthy, and so on: the caller tries them in this order. Dropping an
    // id from `resolverIds` leaves the order of the others unchanged. Empty in, empty out.
    std::vector<std::string> order(std::string_view registrableDomain,
                                   std::span<const std::string> resolverIds) const;

    // The first of order(); "" when there are no resolvers.
    std::string shardOf(std::string_view registrableDomain,
                        std::span<const std::string> resolverIds) const;
};

} // namespace mamori::dns
