#include "dns/ResolverSharder.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <openssl/sha.h>
#include <utility>

namespace mamori::dns {
namespace {

// The first 8 bytes of SHA-256(id '\0' domain), big-endian: the '\0' keeps ("ab", "c") and
// ("a", "bc") apart, and a cryptographic hash keeps the shares even whatever the names.
uint64_t weight(std::string_view resolverId, std::string_view domain) {
    std::string input;
    input.reserve(resolverId.size() + 1 + domain.size());
    input.append(resolverId);
    input.push_back('\0');
    input.append(domain);
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    ::SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof value; ++i) {
        value = (value << 8) | digest[i];
    }
    return value;
}

} // namespace

std::vector<std::string> ResolverSharder::order(std::string_view registrableDomain,
                                                std::span<const std::string> resolverIds) const {
    std::vector<std::pair<uint64_t, std::string_view>> ranked;
    ranked.reserve(resolverIds.size());
    for (const auto& id : resolverIds) {
        ranked.emplace_back(weight(id, registrableDomain), id);
    }
    // Heaviest first; equal weights (only for equal ids, in practice) by id, so the order never
    // depends on the order of the input.
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::string> out;
    out.reserve(ranked.size());
    for (const auto& [w, id] : ranked) {
        if (out.empty() || out.back() != id) {
            out.emplace_back(id);
        }
    }
    return out;
}

std::string ResolverSharder::shardOf(std::string_view registrableDomain,
                                     std::span<const std::string> resolverIds) const {
    auto ranked = order(registrableDomain, resolverIds);
    return ranked.empty() ? std::string() : std::move(ranked.front());
}

} // namespace mamori::dns
