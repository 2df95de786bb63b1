#include "dns/RegistrableDomain.h"

#include "common/Log.h"

#include <cstddef>
#include <libpsl.h>

namespace mamori::dns {
namespace {

constexpr std::size_t kMaxHostName = 253;
constexpr std::string_view kReverseV4 = ".in-addr.arpa";
constexpr std::string_view kReverseV6 = ".ip6.arpa";
// Labels kept of a reverse name: the zone's two plus the network's (a /24, a /48).
constexpr std::size_t kReverseV4Labels = 2 + 3;
constexpr std::size_t kReverseV6Labels = 2 + 12;

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

bool isHostChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// libpsl is only given what it was made for: lower-case ASCII host names (IDNs in punycode).
bool isHostName(std::string_view name) {
    if (name.size() > kMaxHostName || name.front() == '.' || name.back() == '.' ||
        name.find("..") != std::string_view::npos) {
        return false;
    }
    for (const char c : name) {
        if (!isHostChar(c)) {
            return false;
        }
    }
    return true;
}

// The last `labels` labels of `name` (all of it when it has no more).
std::string_view lastLabels(std::string_view name, std::size_t labels) {
    std::size_t start = name.size();
    for (std::size_t i = 0; i < labels; ++i) {
        const std::size_t dot = start == 0 ? std::string_view::npos : name.rfind('.', start - 1);
        if (dot == std::string_view::npos) {
            return name;
        }
        start = dot;
    }
    return name.substr(start + 1);
}

} // namespace

void RegistrableDomain::Free::operator()(const psl_ctx_st* psl) const {
    if (owned) {
        psl_free(const_cast<psl_ctx_st*>(psl));
    }
}

RegistrableDomain::RegistrableDomain()
    : psl_(psl_latest(nullptr), Free{.owned = true}) {
    if (!psl_) {
        psl_ = {psl_builtin(), Free{.owned = false}};
    }
    if (!psl_) {
        log::warning("no Public Suffix List (libpsl): registrable domains are the last two "
                     "labels of each name");
    }
}

std::string RegistrableDomain::of(std::string_view qname) const {
    std::string name = lowerAscii(qname);
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    if (name.empty()) {
        return ".";
    }
    if (!isHostName(name)) {
        return std::string(lastLabels(name, 2));
    }
    if (name.ends_with(kReverseV4)) {
        return std::string(lastLabels(name, kReverseV4Labels));
    }
    if (name.ends_with(kReverseV6)) {
        return std::string(lastLabels(name, kReverseV6Labels));
    }
    if (!psl_) {
        return std::string(lastLabels(name, 2));
    }
    const char* registrable = psl_registrable_domain(psl_.get(), name.c_str());
    return registrable == nullptr ? name : std::string(registrable);
}

} // namespace mamori::dns
