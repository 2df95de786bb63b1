// Addresses of well-known public DNS-over-HTTPS services. A TCP connection to port 443 of one
// of them is how Mamori notices DoH in apps whose TLS it cannot read (statically linked,
// stripped BoringSSL in Chrome): it cannot see the questions, only that they went there.
// `[Dns] DohEndpoints=` adds more; the configured resolvers' addresses are added too.
#pragma once

#include <array>
#include <string_view>

namespace mamori::dns {

inline constexpr std::array<std::string_view, 20> kKnownDohServers = {
    // Cloudflare (cloudflare-dns.com, mozilla.cloudflare-dns.com)
    "1.1.1.1", "1.0.0.1", "2606:4700:4700::1111", "2606:4700:4700::1001",
    // Google (dns.google)
    "8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844",
    // Quad9 (dns.quad9.net)
    "9.9.9.9", "149.112.112.112", "2620:fe::fe", "2620:fe::9",
    // Mullvad (dns.mullvad.net)
    "194.242.2.2",
    // AdGuard (dns.adguard-dns.com)
    "94.140.14.14", "94.140.15.15",
    // OpenDNS (doh.opendns.com)
    "208.67.222.222", "208.67.220.220",
    // NextDNS (dns.nextdns.io anycast)
    "45.90.28.0", "45.90.30.0",
    // CleanBrowsing (doh.cleanbrowsing.org, security filter)
    "185.228.168.9"};

} // namespace mamori::dns
