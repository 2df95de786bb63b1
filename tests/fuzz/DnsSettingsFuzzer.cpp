// Fuzz target for the DNS settings loader, which reads the state file and the shipped resolver
// list: any text must either load or fail with MamoriError(BadConfig) naming the source. What
// loads must keep the settings' promises (a default that exists, a non-empty shard set, every
// resolver valid) and survive a save: serialize() parses back to equal settings.
#include "common/Errors.h"
#include "dns/DnsSettings.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using mamori::dns::DnsSettings;

constexpr std::string_view kSource = "fuzz.conf";

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

bool isTarget(const DnsSettings& settings, const std::string& target) {
    return target == mamori::dns::kShardTarget || settings.resolver(target) != nullptr;
}

void checkPromises(const DnsSettings& settings) {
    check(!settings.resolvers().empty());
    check(isTarget(settings, settings.defaultTarget()));
    for (const auto& [app, target] : settings.assignments()) {
        check(mamori::dns::isValidAppId(app) && isTarget(settings, target));
        check(settings.targetFor(app) == target);
    }
    const auto shard = settings.shardResolvers();
    check(!shard.empty());
    for (const auto& id : shard) {
        check(settings.resolver(id) != nullptr);
    }
    for (const auto& resolver : settings.resolvers()) {
        check(mamori::dns::isValidResolverId(resolver.endpoint.id));
        check(resolver.endpoint.port != 0);
    }
    const double bits = settings.exposureThresholdBits();
    check(bits >= 0.0 && bits <= DnsSettings::kMaxExposureThresholdBits);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const DnsSettings settings = DnsSettings::parse(text, std::string(kSource));
        checkPromises(settings);
        // Our own output must load: a BadConfig here escapes and ends the run as a crash.
        const std::string saved = settings.serialize();
        check(DnsSettings::parse(saved, "saved") == settings);
    } catch (const mamori::MamoriError& e) {
        check(e.code() == mamori::ErrorCode::BadConfig);
        check(std::string_view(e.what()).substr(0, kSource.size()) == kSource);
    }
    return 0;
}
