// The registrable domain of a DNS name ("www.bbc.co.uk" -> "bbc.co.uk"): the unit one party
// owns, by the Public Suffix List (libpsl, Debian's /usr/share/publicsuffix list when present).
// Sharding and exposure accounting both count registrable domains, so that "a.example.com" and
// "b.example.com" are one site to them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct psl_ctx_st;

namespace mamori::dns {

class RegistrableDomain {
public:
    // Loads the newest list (system file or libpsl's built-in one). Never throws: with no list
    // at all, every name is cut to its last two labels.
    RegistrableDomain();

    // The registrable domain of `qname`, lower-cased, without the trailing dot. Total: any
    // bytes give an answer, never an exception.
    // - No registrable domain (a public suffix like "co.uk", a single label like "localhost"):
    //   the name itself. "" and the root "." give ".".
    // - Reverse names are cut to the network that owns them, not to the list's "1.in-addr.arpa"
    //   (a /8 would lump unrelated owners together): IPv4 "d.c.b.a.in-addr.arpa" ->
    //   "c.b.a.in-addr.arpa" (a /24), IPv6 to 12 nibbles (a /48) + "ip6.arpa"; shorter reverse
    //   names are returned whole.
    // - Not a host name (a byte outside [a-z0-9-_.] after lower-casing, such as DnsMessage's
    //   \DDD escapes, an empty label, or over 253 bytes): the last two labels, as they are.
    std::string of(std::string_view qname) const;

private:
    // psl_latest()'s context is ours to free, psl_builtin()'s is static.
    struct Free {
        bool owned = true;
        void operator()(const psl_ctx_st* psl) const;
    };
    std::unique_ptr<const psl_ctx_st, Free> psl_;
};

} // namespace mamori::dns
