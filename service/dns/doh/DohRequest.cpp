#include "dns/doh/DohRequest.h"

#include "dns/doh/Base64Url.h"

#include <string>

namespace mamori::dns::doh {

namespace {

constexpr std::string_view kDnsMessageType = "application/dns-message";

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trimmed(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::string> percentDecoded(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        const int high = hexValue(text[i + 1]);
        const int low = hexValue(text[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(high << 4 | low);
        i += 2;
    }
    return out;
}

// The raw value of the first "dns" parameter of the target's query, if any.
std::optional<std::string_view> dnsParameterText(std::string_view target) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view query = target.substr(question + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        const auto end = query.find('&');
        const std::string_view parameter = query.substr(0, end);
        if (parameter.starts_with("dns=")) {
            return parameter.substr(4);
        }
        if (end == std::string_view::npos) {
            break;
        }
        query.remove_prefix(end + 1);
    }
    return std::nullopt;
}

} // namespace

DohMethod dohMethodOf(const HttpRequestHead& head) {
    if (head.method == "GET" && dnsParameterText(head.target)) {
        return DohMethod::Get;
    }
    if (head.method == "POST" && isDnsMessageType(head.contentType)) {
        return DohMethod::Post;
    }
    return DohMethod::None;
}

std::optional<std::vector<uint8_t>> dnsParameterOf(std::string_view target) {
    const auto text = dnsParameterText(target);
    if (!text) {
        return std::nullopt;
    }
    const auto decoded = percentDecoded(*text);
    if (!decoded) {
        return std::nullopt;
    }
    return base64url::decode(*decoded);
}

bool isDnsMessageType(std::string_view contentType) {
    return equalsIgnoringCase(trimmed(contentType.substr(0, contentType.find(';'))),
                              kDnsMessageType);
}

std::string_view pathOf(std::string_view target) {
    return target.substr(0, target.find_first_of("?#"));
}

} // namespace mamori::dns::doh
