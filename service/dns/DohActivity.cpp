#include "dns/DohActivity.h"

#include "common/Names.h"

namespace mamori::dns {

std::string_view dohSeenByName(DohSeenBy seenBy) {
    return seenBy == DohSeenBy::TlsLibrary ? names::dns::kSeenByTlsLibrary
                                           : names::dns::kSeenByDestination;
}

DohAppRow* DohActivity::row(std::string_view app, std::string_view server, DohSeenBy seenBy,
                            bool& added) {
    Key key{std::string(app), std::string(server), seenBy};
    const auto it = rows_.find(key);
    added = false;
    if (it != rows_.end()) {
        return &it->second;
    }
    if (rows_.size() >= kMaxRows) {
        ++unlisted_;
        return nullptr;
    }
    added = true;
    return &rows_.emplace(std::move(key), DohAppRow{std::string(app), std::string(server), seenBy})
                .first->second;
}

bool DohActivity::noteQuestion(std::string_view app, std::string_view server) {
    bool added = false;
    if (auto* entry = row(app, server, DohSeenBy::TlsLibrary, added)) {
        ++entry->questions;
    }
    return added;
}

bool DohActivity::noteConnections(std::string_view app, std::string_view server,
                                  std::uint64_t connections) {
    bool added = false;
    if (auto* entry = row(app, server, DohSeenBy::Destination, added)) {
        entry->connections = connections;
    }
    return added;
}

std::vector<DohAppRow> DohActivity::rows() const {
    std::vector<DohAppRow> out;
    out.reserve(rows_.size());
    for (const auto& [key, entry] : rows_) {
        out.push_back(entry);
    }
    return out;
}

} // namespace mamori::dns
