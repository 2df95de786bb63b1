#include "DetachedStub.h"

#include "common/Errors.h"

namespace mamori::bench {
namespace {

const dns::ResolverConfig& defaultResolver(const dns::DnsSettings& settings) {
    const auto* resolver = settings.resolver(settings.defaultTarget());
    if (resolver == nullptr) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "--detached needs one resolver as [Policy] Default=, not '" +
                              settings.defaultTarget() + "'");
    }
    return *resolver;
}

} // namespace

DetachedStub::DetachedStub(const EngineHooks& hooks, const dns::DnsSettings& settings,
                           std::uint16_t port, std::chrono::milliseconds queryTimeout)
    : upstream_(dns::makeUpstream(defaultResolver(settings).endpoint, hooks))
    , forwarder_(
          std::make_unique<dns::QueryForwarder>(hooks, dns::QueryForwarder::Options{queryTimeout}))
    , stub_(std::make_unique<dns::DnsStub>(
          hooks, port, [this](dns::DnsStub::StubQuery query, dns::DnsStub::Reply reply) {
              handle(std::move(query), std::move(reply));
          })) {}

void DetachedStub::handle(dns::DnsStub::StubQuery query, dns::DnsStub::Reply reply) {
    ++queries_;
    forwarder_->forward(std::move(query.message), {upstream_},
                        [this, reply = std::move(reply)](dns::ForwardOutcome outcome) {
                            ++(outcome.resolverId.empty() ? servfail_ : answered_);
                            reply(std::move(outcome.answer));
                        });
}

} // namespace mamori::bench
