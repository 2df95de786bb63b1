#include "dns/AppIdentity.h"

#include <algorithm>
#include <cctype>

namespace mamori::dns {
namespace {

constexpr std::string_view kPrefix = "app-";
constexpr std::string_view kScope = ".scope";
constexpr std::string_view kService = ".service";

bool endsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

int hexDigit(char c) {
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

// systemd escapes every character outside [A-Za-z0-9:_.] of a unit name part as "\xNN".
std::optional<std::string> unescape(std::string_view text) {
    std::string out;
    while (!text.empty()) {
        if (text.front() != '\\') {
            out += text.front();
            text.remove_prefix(1);
            continue;
        }
        if (text.size() < 4 || text[1] != 'x' || hexDigit(text[2]) < 0 || hexDigit(text[3]) < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(hexDigit(text[2]) * 16 + hexDigit(text[3]));
        text.remove_prefix(4);
    }
    return out;
}

// An app id names a file in policy and a row in the GUI: no path separators, no blanks or
// control characters (which an escaped unit name could otherwise smuggle in).
bool validAppId(std::string_view appId) {
    return !appId.empty() && std::none_of(appId.begin(), appId.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return c == '/' || std::isspace(byte) != 0 || std::iscntrl(byte) != 0;
    });
}

// "<launcher>-<rest>" -> rest; the launcher must be there and has no '-'.
std::optional<std::string_view> dropLauncher(std::string_view body) {
    const auto dash = body.find('-');
    if (dash == std::string_view::npos || dash == 0) {
        return std::nullopt;
    }
    return body.substr(dash + 1);
}

std::optional<std::string_view> appPartOfScope(std::string_view body) {
    // The random part after the last '-' makes each launch's scope unique; it is required.
    const auto lastDash = body.rfind('-');
    if (lastDash == std::string_view::npos || lastDash + 1 == body.size()) {
        return std::nullopt;
    }
    return dropLauncher(body.substr(0, lastDash));
}

std::optional<std::string_view> appPartOfService(std::string_view body) {
    const auto at = body.find('@');
    if (at == std::string_view::npos || at + 1 == body.size()) {
        return std::nullopt;
    }
    return dropLauncher(body.substr(0, at));
}

} // namespace

std::optional<std::string> AppIdentity::fromUnit(std::string_view unit) {
    if (unit.substr(0, kPrefix.size()) != kPrefix) {
        return std::nullopt;
    }
    std::optional<std::string_view> appPart;
    if (endsWith(unit, kScope)) {
        appPart = appPartOfScope(
            unit.substr(kPrefix.size(), unit.size() - kPrefix.size() - kScope.size()));
    } else if (endsWith(unit, kService)) {
        appPart = appPartOfService(
            unit.substr(kPrefix.size(), unit.size() - kPrefix.size() - kService.size()));
    }
    if (!appPart) {
        return std::nullopt;
    }
    auto appId = unescape(*appPart);
    if (!appId || !validAppId(*appId)) {
        return std::nullopt;
    }
    return appId;
}

} // namespace mamori::dns
