// Base64url (RFC 4648 section 5), the encoding of the DNS message in a DoH GET request's "dns"
// parameter (RFC 8484 section 4.1). RFC 8484 says without padding; decode() also accepts it,
// because what matters to the monitor is what the server could read, not what a strict server
// would have accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns::base64url {

// Without padding, as RFC 8484 clients send it.
std::string encode(std::span<const uint8_t> bytes);

// nullopt for a character outside the url-safe alphabet, more than two '=', padding that does
// not complete a 4-character group, or a length that no byte string encodes to (4n + 1). The
// unused low bits of the last character are ignored.
std::optional<std::vector<uint8_t>> decode(std::string_view text);

} // namespace mamori::dns::base64url
