#include "dns/ExposureLedger.h"

#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "common/Log.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <system_error>
#include <utility>

namespace mamori::dns {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeader = "mamori-exposure-ledger\t1";
constexpr std::string_view kComment =
    "# What each DNS resolver has seen, written by mamorid; see service/dns/ExposureLedger.h";
// c * log2(c) is at least 2 for c >= 2, so scaled by 2^52 (exactly: a power of two) it is an
// integer: the sum of such terms is exact, and a ledger read back from its file has the very same
// entropy as the one that wrote it, to the last bit.
constexpr double kFixedPointScale = 4503599627370496.0; // 2^52

__extension__ using FixedPoint = unsigned __int128;

FixedPoint cLog2C(uint64_t c) {
    if (c < 2) {
        return 0;
    }
    const auto x = static_cast<double>(c);
    return static_cast<FixedPoint>(x * std::log2(x) * kFixedPointScale);
}

std::string_view sourceName(ExposureSource source) {
    return source == ExposureSource::Stub ? "stub" : "doh";
}

std::optional<ExposureSource> sourceFromName(std::string_view name) {
    if (name == "stub") {
        return ExposureSource::Stub;
    }
    if (name == "doh") {
        return ExposureSource::BypassingDoh;
    }
    return std::nullopt;
}

bool isPlain(unsigned char c) {
    return c >= '!' && c <= '~' && c != '\\';
}

std::string escape(std::string_view text) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (isPlain(byte)) {
            out += c;
            continue;
        }
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xF];
    }
    return out;
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

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    while (true) {
        const std::size_t end = text.find(separator);
        parts.push_back(text.substr(0, end));
        if (end == std::string_view::npos) {
            return parts;
        }
        text.remove_prefix(end + 1);
    }
}

void appendLine(std::string& out, std::initializer_list<std::string_view> fields) {
    const char* separator = "";
    for (const auto field : fields) {
        out.append(separator).append(field);
        separator = "\t";
    }
    out += '\n';
}

template <typename Map> std::vector<typename Map::const_pointer> sortedByKey(const Map& map) {
    std::vector<typename Map::const_pointer> items;
    items.reserve(map.size());
    for (const auto& item : map) {
        items.push_back(&item);
    }
    std::sort(items.begin(), items.end(), [](auto a, auto b) { return a->first < b->first; });
    return items;
}

void validateField(std::string_view value, std::string_view what) {
    if (value.size() > ExposureLedger::kMaxField) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "exposure ledger: the " + std::string(what) + " is longer than " +
                              std::to_string(ExposureLedger::kMaxField) + " bytes");
    }
}

void validateThreshold(double bits) {
    if (!std::isfinite(bits) || bits < 0) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "exposure threshold must be a finite number of bits >= 0, got " +
                              std::to_string(bits));
    }
}

} // namespace

// --- Distribution ----------------------------------------------------------------------------

bool ExposureLedger::Distribution::add(std::string_view domain, bool mayRemember) {
    auto bump = [this](uint64_t& count) {
        sumCLogC = sumCLogC - cLog2C(count) + cLog2C(count + 1);
        ++count;
        ++queries;
    };
    if (const auto it = counts.find(domain); it != counts.end()) {
        bump(it->second);
        return false;
    }
    if (!mayRemember) {
        bump(other);
        return false;
    }
    bump(counts.emplace(std::string(domain), 0).first->second);
    return true;
}

void ExposureLedger::Distribution::set(std::string_view domain, uint64_t count) {
    counts.emplace(std::string(domain), count);
    queries += count;
    sumCLogC += cLog2C(count);
}

void ExposureLedger::Distribution::setOther(uint64_t count) {
    other = count;
    queries += count;
    sumCLogC += cLog2C(count);
}

// H = log2(N) - (1/N) * sum(c * log2(c)), the "other" bucket being one more outcome.
ExposureTotals ExposureLedger::Distribution::totals() const {
    ExposureTotals totals;
    totals.queries = queries;
    totals.distinctDomains = counts.size();
    totals.otherQueries = other;
    const std::size_t outcomes = counts.size() + (other > 0 ? 1 : 0);
    if (outcomes < 2) {
        return totals;
    }
    const auto n = static_cast<double>(queries);
    const double entropy = std::log2(n) - static_cast<double>(sumCLogC) / kFixedPointScale / n;
    totals.entropyBits = std::max(entropy, 0.0);
    return totals;
}

// --- Parser ----------------------------------------------------------------------------------

// Reads the file format (see the header) into fresh entries, checking every bound record()
// keeps, so that a loaded ledger is one record() could have built.
class ExposureLedger::Parser {
public:
    explicit Parser(const Limits& limits)
        : limits_(limits) {}

    Entries parse(std::string_view text) {
        const auto lines = split(text, '\n');
        if (lines.front() != kHeader) {
            fail("the first line is not \"mamori-exposure-ledger<TAB>1\"");
        }
        for (std::size_t i = 1; i < lines.size(); ++i) {
            line_ = i + 1;
            if (!lines[i].empty() && lines[i].front() != '#') {
                parseLine(split(lines[i], '\t'));
            }
        }
        return std::move(entries_);
    }

private:
    [[noreturn]] void fail(const std::string& reason) const {
        throw MamoriError(ErrorCode::BadConfig, "line " + std::to_string(line_) + ": " + reason);
    }

    void parseLine(const std::vector<std::string_view>& fields) {
        const std::string_view kind = fields.front();
        if (kind == "resolver") {
            return parseResolver(fields);
        }
        if (kind == "domain") {
            return parseDomain(fields);
        }
        if (kind == "app") {
            return parseApp(fields);
        }
        if (kind == "appdomain") {
            return parseAppDomain(fields);
        }
        fail("unknown record \"" + escape(kind) + "\"");
    }

    void expectFields(const std::vector<std::string_view>& fields, std::size_t count) const {
        if (fields.size() != count) {
            fail(std::string(fields.front()) + " has " + std::to_string(fields.size() - 1) +
                 " fields, expected " + std::to_string(count - 1));
        }
    }

    std::string text(std::string_view field, std::string_view what) const {
        std::string out;
        for (std::size_t i = 0; i < field.size(); ++i) {
            const auto c = static_cast<unsigned char>(field[i]);
            if (isPlain(c)) {
                out += field[i];
                continue;
            }
            if (c != '\\' || i + 3 >= field.size() || field[i + 1] != 'x' ||
                hexDigit(field[i + 2]) < 0 || hexDigit(field[i + 3]) < 0) {
                fail("bad byte or escape in the " + std::string(what));
            }
            out += static_cast<char>(hexDigit(field[i + 2]) * 16 + hexDigit(field[i + 3]));
            i += 3;
        }
        if (out.size() > kMaxField) {
            fail("the " + std::string(what) + " is longer than " + std::to_string(kMaxField) +
                 " bytes");
        }
        return out;
    }

    uint64_t number(std::string_view field, std::string_view what, uint64_t min) const {
        uint64_t value = 0;
        const auto* end = field.data() + field.size();
        const auto [ptr, ec] = std::from_chars(field.data(), end, value);
        if (field.empty() || ec != std::errc() || ptr != end || value < min ||
            value > kMaxQueries) {
            fail("the " + std::string(what) + " is not a number from " + std::to_string(min) +
                 " to 2^53");
        }
        return value;
    }

    ExposureSource source(std::string_view field) const {
        const auto source = sourceFromName(field);
        if (!source) {
            fail(R"(the source is not "stub" or "doh")");
        }
        return *source;
    }

    Entry& entry(std::string_view idField, std::string_view sourceField) {
        const std::string id = text(idField, "resolver id");
        const ExposureSource from = source(sourceField);
        const auto resolver = entries_.find(id);
        if (resolver == entries_.end() || !resolver->second.contains(from)) {
            fail("resolver \"" + escape(id) + "\" (" + std::string(sourceField) +
                 ") has no resolver line before");
        }
        return resolver->second.at(from);
    }

    void checkTotal(const Distribution& into, uint64_t count) const {
        if (into.queries + count > kMaxQueries) {
            fail("more than 2^53 queries in one entry");
        }
    }

    // resolver <id> <source> <warned> <other>
    void parseResolver(const std::vector<std::string_view>& fields) {
        expectFields(fields, 5);
        const std::string id = text(fields[1], "resolver id");
        const ExposureSource from = source(fields[2]);
        if (id.empty()) {
            fail("the resolver id is empty");
        }
        if (fields[3] != "0" && fields[3] != "1") {
            fail("warned is not 0 or 1");
        }
        if (countEntries(entries_) >= limits_.resolvers) {
            fail("more than " + std::to_string(limits_.resolvers) + " resolvers");
        }
        auto& sources = entries_[id];
        if (sources.contains(from)) {
            fail("resolver \"" + escape(id) + "\" (" + std::string(fields[2]) + ") twice");
        }
        Entry& entry = sources[from];
        entry.warned = fields[3] == "1";
        entry.all.setOther(number(fields[4], "other count", 0));
    }

    // domain <id> <source> <domain> <count>
    void parseDomain(const std::vector<std::string_view>& fields) {
        expectFields(fields, 5);
        Entry& into = entry(fields[1], fields[2]);
        const std::string domain = text(fields[3], "domain");
        const uint64_t count = number(fields[4], "count", 1);
        if (into.all.counts.contains(domain)) {
            fail("domain \"" + escape(domain) + "\" twice");
        }
        if (into.all.counts.size() >= limits_.domains) {
            fail("more than " + std::to_string(limits_.domains) + " domains");
        }
        checkTotal(into.all, count);
        into.all.set(domain, count);
    }

    // app <id> <source> <app> <other>
    void parseApp(const std::vector<std::string_view>& fields) {
        expectFields(fields, 5);
        Entry& into = entry(fields[1], fields[2]);
        std::string app = text(fields[3], "app id");
        const uint64_t other = number(fields[4], "other count", 0);
        if (into.apps.contains(app)) {
            fail("app \"" + escape(app) + "\" twice");
        }
        if (into.apps.size() >= limits_.apps) {
            fail("more than " + std::to_string(limits_.apps) + " apps");
        }
        into.apps[std::move(app)].setOther(other);
    }

    // appdomain <id> <source> <app> <domain> <count>
    void parseAppDomain(const std::vector<std::string_view>& fields) {
        expectFields(fields, 6);
        Entry& into = entry(fields[1], fields[2]);
        const std::string app = text(fields[3], "app id");
        const std::string domain = text(fields[4], "domain");
        const uint64_t count = number(fields[5], "count", 1);
        const auto found = into.apps.find(app);
        if (found == into.apps.end()) {
            fail("app \"" + escape(app) + "\" has no app line before");
        }
        Distribution& appDomains = found->second;
        if (appDomains.counts.contains(domain)) {
            fail("domain \"" + escape(domain) + "\" twice for app \"" + escape(app) + "\"");
        }
        if (into.appDomains >= limits_.domains) {
            fail("more than " + std::to_string(limits_.domains) + " app domains");
        }
        checkTotal(appDomains, count);
        appDomains.set(domain, count);
        ++into.appDomains;
    }

    const Limits& limits_;
    Entries entries_;
    std::size_t line_ = 1;
};

// --- ExposureLedger --------------------------------------------------------------------------

ExposureLedger::ExposureLedger(std::filesystem::path file, double thresholdBits, Limits limits)
    : file_(std::move(file))
    , threshold_(thresholdBits)
    , limits_(limits) {
    validateThreshold(thresholdBits);
    load();
}

std::size_t ExposureLedger::countEntries(const Entries& entries) {
    std::size_t count = 0;
    for (const auto& [id, sources] : entries) {
        count += sources.size();
    }
    return count;
}

void ExposureLedger::load() {
    std::error_code ec;
    const auto status = fs::status(file_, ec);
    if (status.type() == fs::file_type::not_found) {
        return;
    }
    std::string problem;
    if (ec) {
        problem = "cannot be read: " + ec.message();
    } else if (status.type() != fs::file_type::regular) {
        problem = "is not a regular file";
    } else {
        std::ifstream in(file_, std::ios::binary);
        std::string text{std::istreambuf_iterator<char>(in), {}};
        if (!in.good() && !in.eof()) {
            problem = "cannot be read";
        } else {
            try {
                entries_ = Parser(limits_).parse(text);
                return;
            } catch (const MamoriError& e) {
                problem = e.what();
            }
        }
    }
    const std::string aside = file_.string() + ".corrupt-" + std::to_string(std::time(nullptr));
    fs::rename(file_, aside, ec);
    if (ec) {
        log::warning("exposure ledger " + file_.string() + ": " + problem +
                     "; cannot move it aside (" + ec.message() + "), starting empty");
        return;
    }
    log::warning("exposure ledger " + file_.string() + ": " + problem + "; kept as " + aside +
                 ", starting empty");
}

ExposureLedger::Entry* ExposureLedger::entryFor(std::string_view resolver, ExposureSource source) {
    auto sources = entries_.find(resolver);
    if (sources != entries_.end()) {
        if (auto found = sources->second.find(source); found != sources->second.end()) {
            return &found->second;
        }
    }
    if (countEntries(entries_) >= limits_.resolvers) {
        if (!warnedDroppedResolver_) {
            warnedDroppedResolver_ = true;
            log::warning("exposure ledger: already " + std::to_string(limits_.resolvers) +
                         " resolvers, not counting queries to \"" + escape(resolver) +
                         "\" or any further new one");
        }
        return nullptr;
    }
    if (sources == entries_.end()) {
        sources = entries_.emplace(std::string(resolver), std::map<ExposureSource, Entry>{}).first;
    }
    return &sources->second[source];
}

void ExposureLedger::record(std::string_view resolver, std::string_view app,
                            std::string_view registrableDomain, ExposureSource source) {
    if (resolver.empty()) {
        throw MamoriError(ErrorCode::InvalidArgs, "exposure ledger: the resolver id is empty");
    }
    validateField(resolver, "resolver id");
    validateField(app, "app id");
    validateField(registrableDomain, "domain");
    Entry* entry = entryFor(resolver, source);
    if (entry == nullptr || entry->all.queries >= kMaxQueries) {
        return;
    }
    dirty_ = true;
    entry->all.add(registrableDomain, entry->all.counts.size() < limits_.domains);
    auto found = entry->apps.find(app);
    if (found == entry->apps.end()) {
        if (entry->apps.size() >= limits_.apps) {
            return;
        }
        found = entry->apps.emplace(std::string(app), Distribution{}).first;
    }
    if (found->second.add(registrableDomain, entry->appDomains < limits_.domains)) {
        ++entry->appDomains;
    }
}

std::vector<ResolverExposure> ExposureLedger::resolvers() const {
    std::vector<ResolverExposure> out;
    for (const auto& [id, sources] : entries_) {
        for (const auto& [source, entry] : sources) {
            out.push_back({id, source, entry.all.totals()});
        }
    }
    return out;
}

std::vector<AppExposure> ExposureLedger::apps() const {
    std::vector<AppExposure> out;
    for (const auto& [id, sources] : entries_) {
        for (const auto& [source, entry] : sources) {
            for (const auto& [app, seen] : entry.apps) {
                out.push_back({id, source, app, seen.totals()});
            }
        }
    }
    return out;
}

ExposureTotals ExposureLedger::totals(std::string_view resolver, ExposureSource source) const {
    const auto sources = entries_.find(resolver);
    if (sources == entries_.end()) {
        return {};
    }
    const auto found = sources->second.find(source);
    return found == sources->second.end() ? ExposureTotals{} : found->second.all.totals();
}

void ExposureLedger::reset(std::string_view resolver) {
    if (resolver.empty()) {
        dirty_ = dirty_ || !entries_.empty();
        entries_.clear();
        return;
    }
    const auto found = entries_.find(resolver);
    if (found != entries_.end()) {
        entries_.erase(found);
        dirty_ = true;
    }
}

void ExposureLedger::setThreshold(double bits) {
    validateThreshold(bits);
    threshold_ = bits;
    for (auto& [id, sources] : entries_) {
        for (auto& [source, entry] : sources) {
            if (entry.warned && entry.all.totals().entropyBits < bits) {
                entry.warned = false;
                dirty_ = true;
            }
        }
    }
}

std::vector<ResolverExposure> ExposureLedger::takeWarnings() {
    std::vector<ResolverExposure> out;
    if (threshold_ <= 0) {
        return out;
    }
    for (auto& [id, sources] : entries_) {
        for (auto& [source, entry] : sources) {
            const ExposureTotals totals = entry.all.totals();
            if (entry.warned || totals.entropyBits < threshold_) {
                continue;
            }
            entry.warned = true;
            dirty_ = true;
            out.push_back({id, source, totals});
        }
    }
    return out;
}

void ExposureLedger::save() {
    writeFileAtomically(file_, serialize(), fs::perms::owner_read | fs::perms::owner_write);
    dirty_ = false;
}

std::string ExposureLedger::serialize() const {
    std::string out;
    out.append(kHeader).append("\n").append(kComment).append("\n");
    for (const auto& [id, sources] : entries_) {
        const std::string resolver = escape(id);
        for (const auto& [source, entry] : sources) {
            const std::string_view from = sourceName(source);
            appendLine(out, {"resolver", resolver, from, entry.warned ? "1" : "0",
                             std::to_string(entry.all.other)});
            for (const auto* domain : sortedByKey(entry.all.counts)) {
                appendLine(out, {"domain", resolver, from, escape(domain->first),
                                 std::to_string(domain->second)});
            }
            for (const auto& [app, seen] : entry.apps) {
                const std::string appField = escape(app);
                appendLine(out, {"app", resolver, from, appField, std::to_string(seen.other)});
                for (const auto* domain : sortedByKey(seen.counts)) {
                    appendLine(out, {"appdomain", resolver, from, appField, escape(domain->first),
                                     std::to_string(domain->second)});
                }
            }
        }
    }
    return out;
}

void ExposureLedger::restore(std::string_view text) {
    entries_ = Parser(limits_).parse(text);
    dirty_ = true;
}

} // namespace mamori::dns
