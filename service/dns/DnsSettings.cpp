#include "dns/DnsSettings.h"

#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "common/KeyFile.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cmath>
#include <netinet/in.h>
#include <set>
#include <tuple>
#include <unistd.h>

namespace mamori::dns {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxAppIdLength = 255;
constexpr std::size_t kMaxResolverIdLength = 32;
constexpr std::size_t kMaxDisplayNameLength = 64;
constexpr std::size_t kMaxHostNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxQuotedLength = 80;
// base64 of a 32-byte SHA-256: 43 characters carrying 256 bits (the last one only 4 of its 6,
// so its low 2 bits are 0) and one '='. TlsContext::spkiPin produces exactly this form and the
// pin is compared as text, so any other spelling of the same bytes would never match.
constexpr std::size_t kPinLength = 44;
constexpr std::string_view kPinLastDigits = "AEIMQUYcgkosw048";

constexpr std::string_view kPolicyGroup = "Policy";
constexpr std::string_view kAssignmentsGroup = "Assignments";
constexpr std::string_view kResolverGroupPrefix = "Resolver ";
constexpr std::string_view kShardSeparator = ";";

constexpr std::string_view kStateHeader =
    "# The DNS engine's settings, written by mamorid on every change: change them with\n"
    "# `mamorictl dns` (D-Bus org.mamori.Mamori1.Dns), not here.\n";

// A field of a resolver: its name in the D-Bus API (and in validateResolver's messages) and
// its key in the keyfile.
struct Field {
    std::string_view api;
    std::string_view key;
};
constexpr std::array kFields{
    Field{"name", "Name"},         Field{"address", "Address"},  Field{"port", "Port"},
    Field{"protocol", "Protocol"}, Field{"tls_name", "TlsName"}, Field{"pin", "Pin"},
    Field{"ca_file", "CaFile"},
};
constexpr std::string_view kFieldKeyList = "Name, Address, Port, Protocol, TlsName, Pin or CaFile";

const Field* fieldByKey(std::string_view key) {
    const auto* it = std::find_if(kFields.begin(), kFields.end(),
                                  [&](const Field& field) { return field.key == key; });
    return it == kFields.end() ? nullptr : it;
}

std::string_view keyOf(std::string_view api) {
    const auto* it = std::find_if(kFields.begin(), kFields.end(),
                                  [&](const Field& field) { return field.api == api; });
    return it == kFields.end() ? api : it->key;
}

// A problem with one field of a resolver: which field and why, the value quoted in `reason`.
struct Problem {
    std::string_view field;
    std::string reason;
};

enum class CaFileCheck { PathAndFile, PathOnly };

bool isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isAsciiLower(char c) {
    return c >= 'a' && c <= 'z';
}

bool isAsciiAlnum(char c) {
    return isAsciiDigit(c) || isAsciiLower(c) || (c >= 'A' && c <= 'Z');
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

// How many bytes a UTF-8 sequence starting with `lead` has; 0 if `lead` cannot start one.
std::size_t utf8SequenceLength(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if (lead >> 5 == 0x6) {
        return 2;
    }
    if (lead >> 4 == 0xE) {
        return 3;
    }
    return lead >> 3 == 0x1E ? 4 : 0;
}

// The code points of UTF-8 text; std::nullopt when it is not valid UTF-8 (stray or missing
// continuation bytes, overlong forms, surrogates, beyond U+10FFFF).
std::optional<std::u32string> decodeUtf8(std::string_view text) {
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = utf8SequenceLength(lead);
        if (length == 0 || i + length > text.size()) {
            return std::nullopt;
        }
        char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if (next >> 6 != 0x2) {
                return std::nullopt;
            }
            cp = (cp << 6) | (next & 0x3F);
        }
        constexpr std::array<char32_t, 5> kSmallest{0, 0, 0x80, 0x800, 0x10000};
        if (cp < kSmallest.at(length) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return std::nullopt;
        }
        out += cp;
        i += length;
    }
    return out;
}

void appendEscaped(std::string& out, unsigned char byte) {
    constexpr std::string_view kHex = "0123456789abcdef";
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
}

// The value in quotes for a message that ends up in logs and D-Bus replies: control characters
// (C0, DEL, C1) as \xNN, and every non-ASCII byte too unless the value is UTF-8 (D-Bus strings
// must be); long values cut short at a character boundary.
std::string inQuotes(std::string_view value) {
    const bool utf8 = decodeUtf8(value).has_value();
    std::size_t length = std::min(value.size(), kMaxQuotedLength);
    while (utf8 && length < value.size() && (static_cast<unsigned char>(value[length]) >> 6) == 2) {
        --length; // do not split a character
    }
    std::string out = "'";
    for (std::size_t i = 0; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(value[i]);
        const bool c1 = utf8 && byte == 0xC2 && i + 1 < length &&
                        static_cast<unsigned char>(value[i + 1]) <= 0x9F;
        if (c1) {
            appendEscaped(out, byte);
            appendEscaped(out, static_cast<unsigned char>(value[++i]));
        } else if (byte < 0x20 || byte == 0x7F || (byte >= 0x80 && !utf8)) {
            appendEscaped(out, byte);
        } else {
            out += static_cast<char>(byte);
        }
    }
    return out + (length < value.size() ? "...'" : "'");
}

bool isControl(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool isHostLabel(std::string_view label) {
    return !label.empty() && label.size() <= kMaxLabelLength && label.front() != '-' &&
           label.back() != '-' && std::all_of(label.begin(), label.end(), [](char c) {
               return isAsciiAlnum(c) || c == '-';
           });
}

// A DNS host name as certificates carry it: LDH labels, no trailing dot, and a last label that
// is not all digits (so that an IP address is not taken for a name).
bool isHostName(std::string_view name) {
    if (name.empty() || name.size() > kMaxHostNameLength) {
        return false;
    }
    std::string_view rest = name;
    std::string_view label;
    while (true) {
        const auto dot = rest.find('.');
        label = rest.substr(0, dot);
        if (!isHostLabel(label)) {
            return false;
        }
        if (dot == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(dot + 1);
    }
    return !std::all_of(label.begin(), label.end(), isAsciiDigit);
}

bool isBase64Digit(char c) {
    return isAsciiAlnum(c) || c == '+' || c == '/';
}

bool isSpkiPin(std::string_view pin) {
    return pin.size() == kPinLength && pin.back() == '=' &&
           std::all_of(pin.begin(), pin.end() - 1, isBase64Digit) &&
           kPinLastDigits.find(pin[kPinLength - 2]) != std::string_view::npos;
}

bool isIpLiteral(const std::string& address) {
    if (address.find('\0') != std::string::npos) {
        return false;
    }
    in6_addr buffer{};
    return ::inet_pton(AF_INET, address.c_str(), &buffer) == 1 ||
           ::inet_pton(AF_INET6, address.c_str(), &buffer) == 1;
}

std::string resolverIdProblem(std::string_view id) {
    if (id == kShardTarget) {
        return inQuotes(id) + " is reserved: it names the shard target";
    }
    if (!isValidResolverId(id)) {
        return inQuotes(id) + " is not a valid resolver id (a-z, 0-9, '.', '_', '-', at most " +
               std::to_string(kMaxResolverIdLength) + ", starting with a letter or digit)";
    }
    return {};
}

bool hasControlBytes(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
}

// Each check keeps the path writable as one keyfile line that reads back the same, and
// sendable as a D-Bus string.
std::string caFileProblem(const std::string& path, CaFileCheck check) {
    if (hasControlBytes(path) || !decodeUtf8(path)) {
        return inQuotes(path) + " contains control characters or is not UTF-8";
    }
    if (!fs::path(path).is_absolute()) {
        return inQuotes(path) + " is not an absolute path";
    }
    if (path.back() == ' ') {
        return inQuotes(path) + " ends with a blank";
    }
    if (check == CaFileCheck::PathOnly) {
        return {};
    }
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || ::access(path.c_str(), R_OK) != 0) {
        return inQuotes(path) + " is not a readable file";
    }
    return {};
}

std::string displayNameProblem(std::string_view name) {
    const auto codePoints = decodeUtf8(name);
    if (!codePoints) {
        return inQuotes(name) + " is not valid UTF-8";
    }
    if (codePoints->size() > kMaxDisplayNameLength) {
        return inQuotes(name) + " is longer than " + std::to_string(kMaxDisplayNameLength) +
               " characters";
    }
    if (std::any_of(codePoints->begin(), codePoints->end(), isControl)) {
        return inQuotes(name) + " contains control characters";
    }
    if (!name.empty() && (name.front() == ' ' || name.back() == ' ')) {
        return inQuotes(name) + " begins or ends with a blank";
    }
    return {};
}

// TLS name, pin and CA file on a plain resolver would make it look protected in every list
// that shows them, while its queries go out in clear.
std::optional<Problem> plainTransportProblem(const ResolverEndpoint& endpoint) {
    const auto onlyForDot = [](std::string_view field, const std::string& value) {
        return Problem{field, inQuotes(value) + " given for a Do53 resolver: only DoT resolvers "
                                                "have one, plain DNS is not protected by it"};
    };
    if (!endpoint.tlsName.empty()) {
        return onlyForDot("tls_name", endpoint.tlsName);
    }
    if (!endpoint.spkiPin.empty()) {
        return onlyForDot("pin", endpoint.spkiPin);
    }
    if (!endpoint.caFile.empty()) {
        return onlyForDot("ca_file", endpoint.caFile);
    }
    return std::nullopt;
}

std::optional<Problem> tlsTransportProblem(const ResolverEndpoint& endpoint, CaFileCheck check) {
    if (endpoint.tlsName.empty()) {
        return Problem{"tls_name", "missing: a DoT resolver needs the name its certificate "
                                   "must carry"};
    }
    if (!isHostName(endpoint.tlsName)) {
        return Problem{"tls_name", inQuotes(endpoint.tlsName) + " is not a valid host name"};
    }
    if (!endpoint.spkiPin.empty() && !isSpkiPin(endpoint.spkiPin)) {
        return Problem{"pin", inQuotes(endpoint.spkiPin) +
                                  " is not the base64 SHA-256 of a public key (44 characters "
                                  "ending in '=')"};
    }
    if (endpoint.caFile.empty()) {
        return std::nullopt;
    }
    if (auto why = caFileProblem(endpoint.caFile, check); !why.empty()) {
        return Problem{"ca_file", std::move(why)};
    }
    return std::nullopt;
}

std::optional<Problem> resolverProblem(const ResolverConfig& resolver, CaFileCheck check) {
    const auto& endpoint = resolver.endpoint;
    if (auto why = resolverIdProblem(endpoint.id); !why.empty()) {
        return Problem{"id", std::move(why)};
    }
    if (!isIpLiteral(endpoint.address)) {
        return Problem{"address", inQuotes(endpoint.address) +
                                      " is not an IPv4 or IPv6 address (a host name would "
                                      "have to be looked up, which leaks it)"};
    }
    if (endpoint.port == 0) {
        return Problem{"port", "0 is not a port"};
    }
    auto transport = endpoint.protocol == Protocol::Do53 ? plainTransportProblem(endpoint)
                                                         : tlsTransportProblem(endpoint, check);
    if (transport) {
        return transport;
    }
    if (auto why = displayNameProblem(resolver.displayName); !why.empty()) {
        return Problem{"name", std::move(why)};
    }
    return std::nullopt;
}

std::string appIdProblem(std::string_view appId) {
    return inQuotes(appId) + " is not a valid app id (letters, digits, '.', '_', '-', at most " +
           std::to_string(kMaxAppIdLength) + ", not starting with '.' or '-')";
}

bool hasResolver(const std::vector<ResolverConfig>& resolvers, std::string_view id) {
    return std::any_of(resolvers.begin(), resolvers.end(),
                       [&](const ResolverConfig& r) { return r.endpoint.id == id; });
}

std::string noResolver(std::string_view id) {
    return "no resolver " + inQuotes(id);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : std::string(separator)) + item;
    }
    return out;
}

std::vector<std::string> splitList(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        const auto end = text.find(kShardSeparator);
        std::string_view item = text.substr(0, end);
        item.remove_prefix(std::min(item.find_first_not_of(" \t"), item.size()));
        item.remove_suffix(item.size() - std::min(item.find_last_not_of(" \t") + 1, item.size()));
        if (!item.empty()) {
            items.emplace_back(item);
        }
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    return items;
}

std::string formatBits(double bits) {
    std::array<char, 32> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), bits);
    return {buffer.data(), result.ptr};
}

bool isValidThreshold(double bits) {
    return std::isfinite(bits) && bits >= 0.0 && bits <= DnsSettings::kMaxExposureThresholdBits;
}

// ---- reading the keyfile ----

void readResolverEntry(const KeyFile& file, const KeyFileEntry& entry, ResolverConfig& resolver) {
    auto& endpoint = resolver.endpoint;
    if (entry.key == "Name") {
        resolver.displayName = entry.value;
    } else if (entry.key == "Address") {
        endpoint.address = entry.value;
    } else if (entry.key == "Port") {
        endpoint.port = static_cast<uint16_t>(file.unsignedValue(entry, 65535));
    } else if (entry.key == "Protocol") {
        std::optional<Protocol> protocol;
        try {
            protocol = parseProtocol(entry.value);
        } catch (const MamoriError& e) {
            file.fail(entry.line, "Protocol: " + std::string(e.what()));
        }
        if (!protocol) {
            file.fail(entry.line, "Protocol: expected do53 or dot, got " + inQuotes(entry.value));
        }
        endpoint.protocol = *protocol;
    } else if (entry.key == "TlsName") {
        endpoint.tlsName = entry.value;
    } else if (entry.key == "Pin") {
        endpoint.spkiPin = entry.value;
    } else if (entry.key == "CaFile") {
        endpoint.caFile = entry.value;
    }
}

ResolverConfig readResolver(const KeyFile& file, const KeyFileGroup& group, std::string_view id) {
    const std::string where = "[" + group.name + "]";
    if (auto why = resolverIdProblem(id); !why.empty()) {
        file.fail(group.line, where + ": " + why);
    }
    ResolverConfig resolver;
    resolver.endpoint.id = id;
    for (const auto& entry : group.entries) {
        if (fieldByKey(entry.key) == nullptr) {
            file.fail(entry.line, "unknown key " + inQuotes(entry.key) + " in " + where +
                                      "; expected " + std::string(kFieldKeyList));
        }
        readResolverEntry(file, entry, resolver);
    }
    if (group.find("Address") == nullptr) {
        file.fail(group.line, where + " has no Address=");
    }
    if (group.find("Protocol") == nullptr) {
        file.fail(group.line, where + " has no Protocol= (do53 or dot)");
    }
    if (group.find("Port") == nullptr) {
        resolver.endpoint.port = resolver.endpoint.protocol == Protocol::DoT ? 853 : 53;
    }
    if (auto problem = resolverProblem(resolver, CaFileCheck::PathOnly)) {
        const std::string_view key = keyOf(problem->field);
        const KeyFileEntry* entry = group.find(key);
        file.fail(entry != nullptr ? entry->line : group.line,
                  std::string(key) + ": " + problem->reason);
    }
    return resolver;
}

struct Policy {
    std::string defaultTarget;
    std::vector<std::string> shardSet;
    double exposureThresholdBits = DnsSettings::kDefaultExposureThresholdBits;
};

std::vector<std::string> readShardSet(const KeyFile& file, const KeyFileEntry& entry,
                                      const std::vector<ResolverConfig>& resolvers) {
    auto ids = splitList(entry.value);
    std::set<std::string, std::less<>> seen;
    for (const auto& id : ids) {
        if (!hasResolver(resolvers, id)) {
            file.fail(entry.line, "Shard: " + noResolver(id));
        }
        if (!seen.insert(id).second) {
            file.fail(entry.line, "Shard: " + inQuotes(id) + " is listed twice");
        }
    }
    return ids;
}

double readThreshold(const KeyFile& file, const KeyFileEntry& entry) {
    double bits = 0;
    const char* end = entry.value.data() + entry.value.size();
    const auto result = std::from_chars(entry.value.data(), end, bits);
    if (result.ec != std::errc{} || result.ptr != end || !isValidThreshold(bits)) {
        file.fail(entry.line, "ExposureThresholdBits: expected a number from 0 to 64, got " +
                                  inQuotes(entry.value));
    }
    return bits == 0.0 ? 0.0 : bits; // -0 is written back as "-0": keep one spelling
}

void readPolicyEntry(const KeyFile& file, const KeyFileEntry& entry,
                     const std::vector<ResolverConfig>& resolvers, Policy& policy) {
    if (entry.key == "Default") {
        if (entry.value != kShardTarget && !hasResolver(resolvers, entry.value)) {
            file.fail(entry.line, "Default: " + noResolver(entry.value) +
                                      " (a resolver id or 'shard' is expected)");
        }
        policy.defaultTarget = entry.value;
    } else if (entry.key == "Shard") {
        policy.shardSet = readShardSet(file, entry, resolvers);
    } else if (entry.key == "ExposureThresholdBits") {
        policy.exposureThresholdBits = readThreshold(file, entry);
    } else {
        file.fail(entry.line, "unknown key " + inQuotes(entry.key) +
                                  " in [Policy]; expected Default, Shard or ExposureThresholdBits");
    }
}

Policy readPolicy(const KeyFile& file, const KeyFileGroup& group,
                  const std::vector<ResolverConfig>& resolvers) {
    Policy policy;
    for (const auto& entry : group.entries) {
        readPolicyEntry(file, entry, resolvers, policy);
    }
    if (policy.defaultTarget.empty()) {
        file.fail(group.line, "[Policy] has no Default= (a resolver id or 'shard')");
    }
    return policy;
}

std::map<std::string, std::string, std::less<>>
readAssignments(const KeyFile& file, const KeyFileGroup& group,
                const std::vector<ResolverConfig>& resolvers) {
    std::map<std::string, std::string, std::less<>> assignments;
    for (const auto& entry : group.entries) {
        if (!isValidAppId(entry.key)) {
            file.fail(entry.line, appIdProblem(entry.key));
        }
        if (entry.value != kShardTarget && !hasResolver(resolvers, entry.value)) {
            file.fail(entry.line, entry.key + ": " + noResolver(entry.value) +
                                      " (a resolver id or 'shard' is expected)");
        }
        assignments.emplace(entry.key, entry.value);
    }
    return assignments;
}

std::optional<std::string_view> resolverIdOfGroup(std::string_view name) {
    if (name.substr(0, kResolverGroupPrefix.size()) != kResolverGroupPrefix) {
        return std::nullopt;
    }
    return name.substr(kResolverGroupPrefix.size());
}

} // namespace

bool ResolverConfig::operator==(const ResolverConfig& other) const {
    const auto fields = [](const ResolverConfig& r) {
        const auto& e = r.endpoint;
        return std::tie(e.id, e.address, e.port, e.protocol, e.tlsName, e.spkiPin, e.caFile,
                        r.displayName);
    };
    return fields(*this) == fields(other);
}

std::optional<Protocol> parseProtocol(std::string_view name) {
    if (equalsIgnoringCase(name, "do53")) {
        return Protocol::Do53;
    }
    if (equalsIgnoringCase(name, "dot")) {
        return Protocol::DoT;
    }
    if (equalsIgnoringCase(name, "doh")) {
        throw MamoriError(ErrorCode::Unsupported, "DoH upstreams are not supported yet");
    }
    return std::nullopt;
}

std::string_view protocolName(Protocol protocol) {
    switch (protocol) {
    case Protocol::Do53:
        return "do53";
    case Protocol::DoT:
        return "dot";
    }
    return "unknown";
}

bool isValidAppId(std::string_view appId) {
    return !appId.empty() && appId.size() <= kMaxAppIdLength && appId.front() != '.' &&
           appId.front() != '-' && std::all_of(appId.begin(), appId.end(), [](char c) {
               return isAsciiAlnum(c) || c == '.' || c == '_' || c == '-';
           });
}

bool isValidResolverId(std::string_view id) {
    const auto allowed = [](char c) {
        return isAsciiLower(c) || isAsciiDigit(c) || c == '.' || c == '_' || c == '-';
    };
    return !id.empty() && id.size() <= kMaxResolverIdLength && id != kShardTarget &&
           (isAsciiLower(id.front()) || isAsciiDigit(id.front())) &&
           std::all_of(id.begin(), id.end(), allowed);
}

void validateResolver(const ResolverConfig& resolver) {
    if (auto problem = resolverProblem(resolver, CaFileCheck::PathAndFile)) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          std::string(problem->field) + ": " + problem->reason);
    }
}

// ---- DnsSettings ----

DnsSettings::DnsSettings(std::vector<ResolverConfig> resolvers, std::string_view defaultTarget) {
    if (resolvers.empty()) {
        throw MamoriError(ErrorCode::InvalidArgs, "resolvers: at least one is needed");
    }
    for (auto& resolver : resolvers) {
        addResolver(std::move(resolver));
    }
    setDefault(defaultTarget);
}

DnsSettings DnsSettings::fromKeyFile(const KeyFile& file) {
    DnsSettings settings;
    const KeyFileGroup* policy = nullptr;
    const KeyFileGroup* assignments = nullptr;
    for (const auto& group : file.groups()) {
        if (group.name == kPolicyGroup) {
            policy = &group;
        } else if (group.name == kAssignmentsGroup) {
            assignments = &group;
        } else if (const auto id = resolverIdOfGroup(group.name)) {
            settings.resolvers_.push_back(readResolver(file, group, *id));
        } else {
            file.fail(group.line, "unknown group [" + group.name +
                                      "]; expected [Policy], [Assignments] or [Resolver <id>]");
        }
    }
    if (settings.resolvers_.empty()) {
        throw MamoriError(ErrorCode::BadConfig,
                          file.source() + ": no [Resolver <id>] group: at least one is needed");
    }
    if (policy == nullptr) {
        throw MamoriError(ErrorCode::BadConfig,
                          file.source() + ": no [Policy] group naming the Default= target");
    }
    auto values = readPolicy(file, *policy, settings.resolvers_);
    settings.defaultTarget_ = std::move(values.defaultTarget);
    settings.shardSet_ = std::move(values.shardSet);
    settings.exposureThresholdBits_ = values.exposureThresholdBits;
    if (assignments != nullptr) {
        settings.assignments_ = readAssignments(file, *assignments, settings.resolvers_);
    }
    return settings;
}

DnsSettings DnsSettings::parse(std::string_view text, std::string source) {
    try {
        return fromKeyFile(KeyFile::parse(text, std::move(source)));
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::BadConfig, e.what());
    }
}

std::optional<DnsSettings> DnsSettings::load(const fs::path& stateFile) {
    try {
        const auto file = KeyFile::load(stateFile);
        if (!file) {
            return std::nullopt;
        }
        return fromKeyFile(*file);
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::BadConfig, e.what());
    }
}

DnsSettings DnsSettings::fromShippedList(const fs::path& path) {
    auto settings = load(path);
    if (!settings) {
        throw MamoriError(ErrorCode::BadConfig,
                          path.string() + ": the shipped resolver list does not exist");
    }
    return std::move(*settings);
}

std::string DnsSettings::serialize() const {
    KeyFile file;
    file.set(kPolicyGroup, "Default", defaultTarget_);
    if (!shardSet_.empty()) {
        file.set(kPolicyGroup, "Shard", join(shardSet_, kShardSeparator));
    }
    file.set(kPolicyGroup, "ExposureThresholdBits", formatBits(exposureThresholdBits_));
    for (const auto& resolver : resolvers_) {
        const auto& endpoint = resolver.endpoint;
        const std::string group = std::string(kResolverGroupPrefix) + endpoint.id;
        const auto setIfAny = [&](std::string_view key, const std::string& value) {
            if (!value.empty()) {
                file.set(group, key, value);
            }
        };
        setIfAny("Name", resolver.displayName);
        file.set(group, "Address", endpoint.address);
        file.set(group, "Port", std::to_string(endpoint.port));
        file.set(group, "Protocol", protocolName(endpoint.protocol));
        setIfAny("TlsName", endpoint.tlsName);
        setIfAny("Pin", endpoint.spkiPin);
        setIfAny("CaFile", endpoint.caFile);
    }
    for (const auto& [app, target] : assignments_) {
        file.set(kAssignmentsGroup, app, target);
    }
    return std::string(kStateHeader) + file.serialize();
}

void DnsSettings::save(const fs::path& stateFile) const {
    try {
        if (stateFile.has_parent_path()) {
            fs::create_directories(stateFile.parent_path());
        }
        writeFileAtomically(stateFile, serialize(), fs::perms::owner_read | fs::perms::owner_write);
    } catch (const std::exception& e) {
        throw MamoriError(ErrorCode::StateNotSaved,
                          "DNS settings not saved to " + stateFile.string() + ": " + e.what());
    }
}

const ResolverConfig* DnsSettings::resolver(std::string_view id) const {
    const auto it = std::find_if(resolvers_.begin(), resolvers_.end(),
                                 [&](const ResolverConfig& r) { return r.endpoint.id == id; });
    return it == resolvers_.end() ? nullptr : &*it;
}

std::vector<std::string> DnsSettings::shardResolvers() const {
    if (!shardSet_.empty()) {
        return shardSet_;
    }
    std::vector<std::string> all;
    all.reserve(resolvers_.size());
    for (const auto& resolver : resolvers_) {
        all.push_back(resolver.endpoint.id);
    }
    return all;
}

std::string DnsSettings::targetFor(std::string_view appId) const {
    const auto it = assignments_.find(appId);
    return it == assignments_.end() ? defaultTarget_ : it->second;
}

bool DnsSettings::isTarget(std::string_view target) const {
    return target == kShardTarget || resolver(target) != nullptr;
}

bool DnsSettings::shardInUse() const {
    return defaultTarget_ == kShardTarget ||
           std::any_of(assignments_.begin(), assignments_.end(),
                       [](const auto& assignment) { return assignment.second == kShardTarget; });
}

void DnsSettings::requireTarget(std::string_view target) const {
    if (!isTarget(target)) {
        throw MamoriError(ErrorCode::NotFound,
                          "target: " + noResolver(target) + " (a resolver id or 'shard')");
    }
}

void DnsSettings::addResolver(ResolverConfig resolver) {
    validateResolver(resolver);
    if (this->resolver(resolver.endpoint.id) != nullptr) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "id: resolver " + inQuotes(resolver.endpoint.id) + " already exists");
    }
    resolvers_.push_back(std::move(resolver));
}

void DnsSettings::replaceResolver(ResolverConfig resolver) {
    validateResolver(resolver);
    const auto it = std::find_if(resolvers_.begin(), resolvers_.end(), [&](const auto& r) {
        return r.endpoint.id == resolver.endpoint.id;
    });
    if (it == resolvers_.end()) {
        throw MamoriError(ErrorCode::NotFound, "id: " + noResolver(resolver.endpoint.id));
    }
    *it = std::move(resolver);
}

void DnsSettings::requireUnused(std::string_view id) const {
    const bool isDefault = defaultTarget_ == id;
    std::vector<std::string> apps;
    for (const auto& [app, target] : assignments_) {
        if (target == id) {
            apps.push_back(app);
        }
    }
    if (!isDefault && apps.empty()) {
        return;
    }
    std::vector<std::string> users;
    if (isDefault) {
        users.emplace_back("the default");
    }
    if (!apps.empty()) {
        users.push_back(join(apps, ", "));
    }
    const bool several = apps.size() + (isDefault ? 1 : 0) > 1;
    throw MamoriError(ErrorCode::InvalidArgs, "resolver " + inQuotes(id) + " is used by " +
                                                  join(users, " and by ") + "; assign " +
                                                  (several ? "those" : "it") + " elsewhere first");
}

void DnsSettings::removeResolver(std::string_view id) {
    const auto it = std::find_if(resolvers_.begin(), resolvers_.end(),
                                 [&](const auto& r) { return r.endpoint.id == id; });
    if (it == resolvers_.end()) {
        throw MamoriError(ErrorCode::NotFound, "id: " + noResolver(id));
    }
    requireUnused(id);
    if (resolvers_.size() == 1) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "resolver " + inQuotes(id) + " is the last one; add another first");
    }
    auto shardSet = shardSet_;
    std::erase(shardSet, std::string(id));
    // An explicit set emptied by the removal would silently widen to every resolver.
    if (shardInUse() && !shardSet_.empty() && shardSet.empty()) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "resolver " + inQuotes(id) +
                              " is the only shard resolver and 'shard' is in use; choose other "
                              "shard resolvers first");
    }
    resolvers_.erase(it);
    shardSet_ = std::move(shardSet);
}

void DnsSettings::setAssignment(std::string_view appId, std::string_view target) {
    if (!isValidAppId(appId)) {
        throw MamoriError(ErrorCode::InvalidArgs, "app: " + appIdProblem(appId));
    }
    if (target.empty()) {
        const auto it = assignments_.find(appId);
        if (it != assignments_.end()) {
            assignments_.erase(it);
        }
        return;
    }
    requireTarget(target);
    assignments_.insert_or_assign(std::string(appId), std::string(target));
}

void DnsSettings::setDefault(std::string_view target) {
    if (target.empty()) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "target: the default must be a resolver id or 'shard'");
    }
    requireTarget(target);
    defaultTarget_ = target;
}

void DnsSettings::setShardResolvers(std::vector<std::string> ids) {
    std::set<std::string_view> seen;
    for (const auto& id : ids) {
        if (resolver(id) == nullptr) {
            throw MamoriError(ErrorCode::NotFound, "ids: " + noResolver(id));
        }
        if (!seen.insert(id).second) {
            throw MamoriError(ErrorCode::InvalidArgs, "ids: " + inQuotes(id) + " is listed twice");
        }
    }
    shardSet_ = std::move(ids);
}

void DnsSettings::setExposureThresholdBits(double bits) {
    if (!isValidThreshold(bits)) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "bits: expected a number from 0 to 64, got " + formatBits(bits));
    }
    exposureThresholdBits_ = bits == 0.0 ? 0.0 : bits;
}

void DnsSettings::replaceResolversWith(const DnsSettings& source) {
    DnsSettings next = source;
    next.exposureThresholdBits_ = exposureThresholdBits_;
    *this = std::move(next);
}

} // namespace mamori::dns
