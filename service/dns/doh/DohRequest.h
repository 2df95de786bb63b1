// What makes an HTTP request a DNS-over-HTTPS query (RFC 8484): a GET whose URI carries the
// base64url DNS message in its "dns" parameter, or a POST whose body is one (content type
// application/dns-message). Shared by the HTTP/1.1 and HTTP/2 paths of the DoH monitor.
#pragma once

#include "dns/doh/HttpExchangeSink.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mamori::dns::doh {

enum class DohMethod { None, Get, Post };

// Get when the method is GET and the target has a "dns" parameter (whatever its value), Post
// when the method is POST and the content type is application/dns-message; else None.
DohMethod dohMethodOf(const HttpRequestHead& head);

// The DNS message in the target's "dns" parameter: percent-decoded, then base64url-decoded.
// nullopt when there is no such parameter or it does not decode.
std::optional<std::vector<uint8_t>> dnsParameterOf(std::string_view target);

// "application/dns-message", any case, parameters (";...") and surrounding blanks allowed.
bool isDnsMessageType(std::string_view contentType);

// The target up to its query ('?') or fragment ('#').
std::string_view pathOf(std::string_view target);

} // namespace mamori::dns::doh
