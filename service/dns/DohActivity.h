// Which apps do their own DNS over HTTPS, to which server, and how Mamori knows: questions read
// in the app's TLS library by the DoH monitor, or only connections to a known DoH server's
// port 443 (TLS the monitor cannot read). What the servers learn goes to the ExposureLedger;
// this is the list the user sees ("Firefox talks DoH to mozilla.cloudflare-dns.com").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace mamori::dns {

enum class DohSeenBy { TlsLibrary, Destination };

std::string_view dohSeenByName(DohSeenBy seenBy); // "tls-library", "destination"

struct DohAppRow {
    std::string app; // "" for processes of no app
    std::string server;
    DohSeenBy seenBy = DohSeenBy::TlsLibrary;
    std::uint64_t questions = 0;
    std::uint64_t connections = 0;
};

class DohActivity {
public:
    // At most this many (app, server) pairs are listed; later ones are only counted.
    static constexpr std::size_t kMaxRows = 1024;

    // Both return true when the (app, server, seen by) row is new: the moment to tell the user.
    bool noteQuestion(std::string_view app, std::string_view server);
    // `connections` is the kernel's running count for (app, server), not an increment.
    bool noteConnections(std::string_view app, std::string_view server, std::uint64_t connections);

    std::vector<DohAppRow> rows() const;
    std::uint64_t unlisted() const noexcept { return unlisted_; }

private:
    using Key = std::tuple<std::string, std::string, DohSeenBy>;
    DohAppRow* row(std::string_view app, std::string_view server, DohSeenBy seenBy, bool& added);

    std::map<Key, DohAppRow> rows_;
    std::uint64_t unlisted_ = 0;
};

} // namespace mamori::dns
