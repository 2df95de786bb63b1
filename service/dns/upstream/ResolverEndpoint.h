// One upstream resolver as the user configured it: where it is, how to talk to it, and (for
// DoT) how to recognise it.
#pragma once

#include <cstdint>
#include <string>

namespace mamori::dns {

enum class Protocol { Do53, DoT };

struct ResolverEndpoint {
    std::string id;      // stable name used in logs, exposure accounting and sharding
    std::string address; // IPv4 or IPv6 literal
    uint16_t port = 53;
    Protocol protocol = Protocol::Do53;
    std::string tlsName; // DoT: the name the certificate must carry (also sent as SNI)
    std::string spkiPin; // DoT, optional: base64 SHA-256 of the SubjectPublicKeyInfo
    std::string caFile;  // DoT, optional: a CA bundle used instead of the system store
};

} // namespace mamori::dns
