// Fuzz target for the exposure ledger's file parser, which reads back what hostile DNS names
// put into the file (and whatever else a damaged disk leaves there): any input must either load
// or fail with MamoriError(BadConfig). What loads must respect the bounds, have sane entropies,
// and come back unchanged through serialize() and a second parse.
#include "common/Errors.h"
#include "dns/ExposureLedger.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using mamori::dns::ExposureLedger;
using mamori::dns::ExposureLimits;
using mamori::dns::ExposureTotals;

// Small bounds, so that inputs reach them; no file, so nothing is read or written.
constexpr ExposureLimits kLimits{.domains = 16, .apps = 4, .resolvers = 4};
const char* const kNoFile = "/nonexistent/mamori-fuzz/exposure.ledger";

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void checkTotals(const ExposureTotals& totals) {
    check(totals.distinctDomains <= kLimits.domains);
    check(totals.otherQueries <= totals.queries);
    check(totals.distinctDomains <= totals.queries);
    const double outcomes =
        static_cast<double>(totals.distinctDomains) + (totals.otherQueries > 0 ? 1 : 0);
    check(std::isfinite(totals.entropyBits) && totals.entropyBits >= 0);
    check(outcomes < 1 || totals.entropyBits <= std::log2(outcomes) + 1e-6);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ExposureLedger ledger(kNoFile, 1.0, kLimits);
    try {
        ledger.restore(text);
    } catch (const mamori::MamoriError& e) {
        check(e.code() == mamori::ErrorCode::BadConfig);
        check(ledger.resolvers().empty());
        return 0;
    }
    check(ledger.resolvers().size() <= kLimits.resolvers);
    for (const auto& resolver : ledger.resolvers()) {
        checkTotals(resolver.totals);
    }
    for (const auto& app : ledger.apps()) {
        checkTotals(app.totals);
    }

    const std::string saved = ledger.serialize();
    ExposureLedger again(kNoFile, 1.0, kLimits);
    again.restore(saved); // what the ledger wrote must load: an exception here aborts
    check(again.serialize() == saved);
    check(again.resolvers() == ledger.resolvers());
    check(again.apps() == ledger.apps());

    // A loaded ledger keeps counting like one record() built.
    for (const auto& resolver : ledger.resolvers()) {
        const auto before = again.totals(resolver.resolver, resolver.source);
        again.record(resolver.resolver, "fuzz.app", "fuzz.example", resolver.source);
        const auto after = again.totals(resolver.resolver, resolver.source);
        check(after.queries == before.queries + 1 || before.queries == ExposureLedger::kMaxQueries);
        checkTotals(after);
    }
    again.takeWarnings();
    return 0;
}
