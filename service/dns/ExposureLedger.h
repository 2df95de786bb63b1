// What each resolver has learned about the user: per resolver, and per resolver and app, the
// number of queries, of distinct registrable domains, and the Shannon entropy (bits) of the
// distribution of those domains — a resolver that saw 1000 domains evenly knows ~10 bits of the
// user's browsing. Kept in a text file across restarts; a threshold on the entropy raises a
// warning once per resolver.
//
// Bounds (ExposureLimits): per resolver, `domains` distinct domains are remembered for the resolver
// itself and `domains` (app, domain) pairs across its apps; a new domain beyond that is counted
// in `queries` and in the entry's "other" bucket, which the entropy takes as one more domain (so
// it is then a lower bound) and `distinctDomains` does not count. Only the first `apps` apps of
// a resolver get their own entry (later ones count in the resolver's totals only), and records
// for a resolver beyond the first `resolvers` are dropped with a warning. A resolver stops
// counting at 2^53 queries.
//
// File format (UTF-8 not required; one record a line, fields separated by one tab; in a field,
// every byte outside '!'..'~' and '\' itself is written "\xNN"; '#' lines are comments):
//   mamori-exposure-ledger<TAB>1                          first line
//   resolver  <id> <source> <warned 0|1> <other count>    before the lines that name it
//   domain    <id> <source> <domain> <count>
//   app       <id> <source> <app> <other count>           before its appdomain lines
//   appdomain <id> <source> <app> <domain> <count>
// <source> is "stub" or "doh". Entropies are not stored: they follow from the counts.
//
// Not thread-safe: one owner (the daemon's main loop) calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mamori::dns {

// Who sent the queries a resolver saw: mamori's stub, or an app's own DoH that bypasses it.
enum class ExposureSource { Stub, BypassingDoh };

struct ExposureTotals {
    uint64_t queries = 0;
    uint64_t distinctDomains = 0;
    double entropyBits = 0;
    uint64_t otherQueries = 0; // queries for domains beyond the bound (see above)

    bool operator==(const ExposureTotals&) const = default;
};

struct ResolverExposure {
    std::string resolver;
    ExposureSource source = ExposureSource::Stub;
    ExposureTotals totals;

    bool operator==(const ResolverExposure&) const = default;
};

struct AppExposure {
    std::string resolver;
    ExposureSource source = ExposureSource::Stub;
    std::string app;
    ExposureTotals totals;

    bool operator==(const AppExposure&) const = default;
};

// How much an ExposureLedger remembers (see above); tests use small ones.
struct ExposureLimits {
    std::size_t domains = 100000;
    std::size_t apps = 256;
    std::size_t resolvers = 256;
};

class ExposureLedger {
public:
    using Limits = ExposureLimits;

    // Longest resolver id, app id or domain record() accepts (a DNS name's wire length).
    static constexpr std::size_t kMaxField = 255;
    // Queries at which a resolver stops counting: a count is then exact as a double, and a sum
    // of c * log2(c) * 2^52 stays below 2^111.
    static constexpr uint64_t kMaxQueries = uint64_t{1} << 53;

    // Loads `file` if it exists. A file that cannot be read or parsed is renamed to
    // `file` + ".corrupt-<unix time>" with a warning in the log, and the ledger starts empty:
    // never throws for a bad file. Throws MamoriError(InvalidArgs) for a bad threshold.
    ExposureLedger(std::filesystem::path file, double thresholdBits, Limits limits = {});

    // One query `resolver` saw for `registrableDomain` from `app` ("" = an unknown app).
    // Throws MamoriError(InvalidArgs), recording nothing, for an empty resolver id or a field
    // longer than kMaxField.
    void record(std::string_view resolver, std::string_view app, std::string_view registrableDomain,
                ExposureSource source = ExposureSource::Stub);

    std::vector<ResolverExposure> resolvers() const; // by resolver id, then source
    std::vector<AppExposure> apps() const;           // by resolver id, source, app
    ExposureTotals totals(std::string_view resolver,
                          ExposureSource source = ExposureSource::Stub) const;

    // Forgets what `resolver` (both sources) has seen, "" everything; re-arms its warning.
    void reset(std::string_view resolver);

    // Bits of entropy at which takeWarnings() reports a resolver; 0 = never. A resolver already
    // reported whose entropy is below the new threshold is re-armed (reported again once it
    // reaches it). Throws MamoriError(InvalidArgs) unless finite and >= 0.
    void setThreshold(double bits);
    double threshold() const { return threshold_; }

    // The resolvers at or above the threshold not reported yet; each is reported once until
    // reset() or setThreshold() re-arms it. Whether one was reported is saved with the ledger.
    std::vector<ResolverExposure> takeWarnings();

    bool dirty() const { return dirty_; } // changed since the last save() or load
    // Writes the file atomically, readable by its owner only (it lists the user's domains).
    // Throws std::system_error naming the file; the ledger stays dirty then.
    void save();

    // The file's content, and its parser (public for the fuzzer): restore() replaces the whole
    // ledger by `text`, or throws MamoriError(BadConfig) naming the line and changes nothing.
    std::string serialize() const;
    void restore(std::string_view text);

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    // Counts per domain and what the entropy needs, kept up to date by add() in O(1).
    struct Distribution {
        // The sum of c * log2(c) over the buckets: each term the double scaled by 2^52, an
        // integer then, so the sum is exact whatever the order of the additions.
        __extension__ using FixedPoint = unsigned __int128;

        std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>> counts;
        uint64_t queries = 0;
        uint64_t other = 0;
        FixedPoint sumCLogC = 0;

        // One more query for `domain`; a new domain is remembered only if `mayRemember`.
        // Returns whether a domain was added to `counts`.
        bool add(std::string_view domain, bool mayRemember);
        // Sets a bucket's count while loading (the bucket must be empty).
        void set(std::string_view domain, uint64_t count);
        void setOther(uint64_t count);
        ExposureTotals totals() const;
    };
    struct Entry {
        Distribution all;
        std::map<std::string, Distribution, std::less<>> apps;
        std::size_t appDomains = 0; // the sum of the apps' counts.size()
        bool warned = false;
    };
    // resolver id -> source -> what it saw
    using Entries = std::map<std::string, std::map<ExposureSource, Entry>, std::less<>>;

    class Parser;

    static std::size_t countEntries(const Entries& entries);
    void load();
    Entry* entryFor(std::string_view resolver, ExposureSource source);

    std::filesystem::path file_;
    double threshold_ = 0;
    Limits limits_;
    Entries entries_;
    bool dirty_ = false;
    bool warnedDroppedResolver_ = false;
};

} // namespace mamori::dns
