// The DNS engine's settings, the user's choices that change over D-Bus: the resolvers, where each
// app's queries go (a resolver or "shard"), the default for every other query, the shard set and
// the exposure warning threshold. Every mutator checks the whole change before making any of it,
// so a refused change leaves the settings as they were. Stored as a keyfile (KeyFile.h); the
// shipped resolver list (packaging/dns/resolvers.conf) has the same format.
//
// The D-Bus object changes a copy, saves the copy, then keeps it: a change that cannot be saved
// is then not made either.
#pragma once

#include "common/Names.h"
#include "dns/upstream/ResolverEndpoint.h"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori {
class KeyFile;
} // namespace mamori

namespace mamori::dns {

struct ResolverConfig {
    ResolverEndpoint endpoint;
    std::string displayName; // for people; may be empty (then the id is shown)

    bool operator==(const ResolverConfig& other) const;
};

inline constexpr std::string_view kShardTarget = names::dns::kShardTarget;

// "do53" or "dot", in any case; std::nullopt for anything else. Throws
// MamoriError(Unsupported, "DoH upstreams are not supported yet") for "doh": users will try it,
// and "not yet" is a better answer than "unknown".
std::optional<Protocol> parseProtocol(std::string_view name);
std::string_view protocolName(Protocol protocol);

// [A-Za-z0-9._-], 1 to 255 characters, not starting with '.' or '-'.
bool isValidAppId(std::string_view appId);
// [a-z0-9][a-z0-9._-]{0,31}, and not "shard", which names the shard target.
bool isValidResolverId(std::string_view id);

// Throws MamoriError(InvalidArgs) naming the field as the D-Bus API does ("id", "address",
// "port", "protocol", "tls_name", "pin", "ca_file", "name") and the value, when: the id is not
// valid; the address is not an IPv4 or IPv6 literal (no host names: resolving a resolver's name
// would leak it); the port is 0; a DoT resolver has no valid TLS name; the pin is not base64 of
// 32 bytes (the SHA-256 of the SubjectPublicKeyInfo); the CA file is not an absolute path to a
// readable regular file; a Do53 resolver has a TLS name, pin or CA file (it would look protected
// and is not); the display name is longer than 64 characters, not UTF-8, has control characters
// or blanks at either end.
void validateResolver(const ResolverConfig& resolver);

class DnsSettings {
public:
    // The entropy (bits) of the registrable domains one resolver has seen at which the user is
    // warned. 8 bits is what a resolver knows after seeing 256 equally frequent domains, about a
    // day of an ordinary user's browsing with its third parties: by then its log is the kind of
    // behavioural profile that re-identified 86 % of users (Herrmann et al.). Lower would warn
    // within the first hours of any use; much higher only after weeks of profile building.
    static constexpr double kDefaultExposureThresholdBits = 8.0;
    static constexpr double kMaxExposureThresholdBits = 64.0;

    // At least one resolver; `defaultTarget` one of them or "shard". Throws like the mutators.
    DnsSettings(std::vector<ResolverConfig> resolvers, std::string_view defaultTarget);

    // The shipped list. Throws MamoriError(BadConfig) naming file:line (or the file when it
    // cannot be read).
    static DnsSettings fromShippedList(const std::filesystem::path& path);
    // The saved settings; std::nullopt when the file does not exist. Throws
    // MamoriError(BadConfig) naming file:line when it is invalid.
    static std::optional<DnsSettings> load(const std::filesystem::path& stateFile);
    // Parses keyfile text; `source` names it in errors. Throws MamoriError(BadConfig) naming
    // source:line. A CA file is only checked to be an absolute path here: one that has gone
    // since it was set makes its resolver fail its handshakes, not every setting unreadable.
    static DnsSettings parse(std::string_view text, std::string source);

    // Atomically (AtomicFile.h), readable only by its owner. Throws MamoriError(StateNotSaved)
    // naming the file; the old file is then untouched.
    void save(const std::filesystem::path& stateFile) const;
    std::string serialize() const;

    const std::vector<ResolverConfig>& resolvers() const { return resolvers_; }
    const ResolverConfig* resolver(std::string_view id) const;
    const std::string& defaultTarget() const { return defaultTarget_; }
    // App id → resolver id or "shard".
    const std::map<std::string, std::string, std::less<>>& assignments() const {
        return assignments_;
    }
    // The explicit shard set, or every resolver (in list order) when none was set. Never empty.
    std::vector<std::string> shardResolvers() const;
    // The app's assignment, else the default.
    std::string targetFor(std::string_view appId) const;
    // 0: never warn.
    double exposureThresholdBits() const { return exposureThresholdBits_; }

    // Each checks the whole change and throws MamoriError (InvalidArgs, or NotFound for an id
    // that does not exist) naming what is wrong, leaving *this unchanged.
    void addResolver(ResolverConfig resolver);     // the id must be new
    void replaceResolver(ResolverConfig resolver); // the id must exist
    // Refused while the resolver is the default or assigned to apps (the message lists them), or
    // when "shard" is in use and the shard set would be left empty; also leaves the shard set.
    void removeResolver(std::string_view id);
    // An empty target removes the app's assignment.
    void setAssignment(std::string_view appId, std::string_view target);
    void setDefault(std::string_view target);
    // Each id must exist, none twice; empty means every resolver.
    void setShardResolvers(std::vector<std::string> ids);
    void setExposureThresholdBits(double bits); // 0 to 64
    // Takes the resolvers, default, shard set and assignments of `source` (RestoreShipped-
    // Resolvers); keeps the exposure threshold. Cannot fail: `source` is valid.
    void replaceResolversWith(const DnsSettings& source);

    bool operator==(const DnsSettings& other) const = default;

private:
    DnsSettings() = default;
    // Throws KeyFileError naming file:line.
    static DnsSettings fromKeyFile(const KeyFile& file);

    bool isTarget(std::string_view target) const;
    bool shardInUse() const;
    void requireTarget(std::string_view target) const;
    // Throws InvalidArgs listing the default and the apps that use resolver `id`.
    void requireUnused(std::string_view id) const;

    std::vector<ResolverConfig> resolvers_;
    std::string defaultTarget_;
    std::map<std::string, std::string, std::less<>> assignments_;
    std::vector<std::string> shardSet_; // empty: every resolver
    double exposureThresholdBits_ = kDefaultExposureThresholdBits;
};

} // namespace mamori::dns
