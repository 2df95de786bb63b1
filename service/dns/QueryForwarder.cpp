#include "dns/QueryForwarder.h"

#include "common/Errors.h"
#include "dns/DnsMessage.h"
#include "dns/upstream/QueryWire.h"

#include <algorithm>
#include <iterator>

namespace mamori::dns {
namespace {

// The transports time their own attempts; this later guard only ends an attempt whose
// transport never reported, so that a query cannot hang forever.
constexpr std::chrono::milliseconds kGuardGrace{500};

std::string describe(const UpstreamResult& result) {
    std::string text = toString(result.error);
    if (result.error != UpstreamError::Timeout && !result.reason.empty()) {
        text += " (" + result.reason + ")";
    }
    return text;
}

// Why `answer` must not go to the client; empty when it may.
std::string rejectAnswer(std::span<const uint8_t> query, std::span<const uint8_t> answer) {
    Message message;
    try {
        message = parse(answer);
    } catch (const DnsParseError& error) {
        return std::string("malformed answer (") + error.what() + ")";
    }
    if (!message.qr || !wire::sameQuestion(query, answer)) {
        return "answer for another question";
    }
    const bool extended = message.edns && message.edns->extendedRcode != 0;
    if (!extended && message.rcode == rcode::ServFail) {
        return "answered SERVFAIL";
    }
    if (!extended && message.rcode == rcode::Refused) {
        return "answered REFUSED";
    }
    return {};
}

std::vector<uint8_t> servfailFor(std::span<const uint8_t> query) {
    try {
        return servfail(query);
    } catch (const DnsParseError&) {
        return formerr(query); // the header at least is there (forward() checked)
    }
}

} // namespace

struct QueryForwarder::Forward {
    uint64_t key = 0;
    std::vector<uint8_t> query;
    uint16_t clientId = 0;
    std::vector<std::shared_ptr<Upstream>> order;
    std::size_t next = 0; // the candidate the next attempt goes to
    unsigned attempt = 0; // the current attempt's number: reports of earlier ones are stale
    uint64_t guardTimer = 0;
    ForwardOutcome outcome;
    Done done;
};

QueryForwarder::QueryForwarder(EngineHooks hooks)
    : QueryForwarder(std::move(hooks), Options{}) {}

QueryForwarder::QueryForwarder(EngineHooks hooks, Options options)
    : hooks_(std::move(hooks))
    , options_(options) {
    if (options_.attemptTimeout.count() <= 0) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "attempt timeout must be positive, not " +
                              std::to_string(options_.attemptTimeout.count()) + " ms");
    }
}

QueryForwarder::~QueryForwarder() {
    // The upstreams may outlive us: their late reports find their Forward gone (weak_ptr).
    for (const auto& [key, forward] : forwards_) {
        hooks_.cancel(forward->guardTimer);
    }
    hooks_.cancel(releaseTimer_);
}

void QueryForwarder::forward(std::vector<uint8_t> query,
                             std::vector<std::shared_ptr<Upstream>> candidates, Done done) {
    if (query.size() < wire::kHeaderSize) {
        throw MamoriError(ErrorCode::InvalidArgs, "query of " + std::to_string(query.size()) +
                                                      " bytes is shorter than a DNS header");
    }
    auto forward = std::make_shared<Forward>();
    forward->key = nextKey_++;
    forward->clientId = wire::idOf(query);
    forward->query = std::move(query);
    forward->done = std::move(done);
    std::erase(candidates, nullptr);
    std::stable_partition(candidates.begin(), candidates.end(),
                          [](const auto& upstream) { return upstream->healthy(); });
    forward->order = std::move(candidates);
    forwards_[forward->key] = forward;
    if (forward->order.empty()) {
        // `done` never runs inside forward(): answer from the loop.
        const std::weak_ptr<Forward> weak = forward;
        forward->guardTimer = hooks_.after(std::chrono::milliseconds(0), [this, weak] {
            if (const auto f = weak.lock()) {
                finish(f, servfailFor(f->query), {});
            }
        });
        return;
    }
    attemptNext(forward);
}

void QueryForwarder::attemptNext(const std::shared_ptr<Forward>& forward) {
    if (forward->next >= forward->order.size()) {
        finish(forward, servfailFor(forward->query), {});
        return;
    }
    const auto& upstream = forward->order[forward->next++];
    const unsigned attempt = ++forward->attempt;
    forward->outcome.attempts = attempt;
    const std::weak_ptr<Forward> weak = forward;
    forward->guardTimer =
        hooks_.after(options_.attemptTimeout + kGuardGrace, [this, weak, attempt] {
            if (const auto f = weak.lock(); f && f->attempt == attempt) {
                f->guardTimer = 0;
                fail(f, "no report from the transport");
            }
        });
    upstream->send(forward->query, options_.attemptTimeout,
                   [this, weak, attempt](UpstreamResult result) {
                       if (const auto f = weak.lock()) {
                           onResult(f, attempt, std::move(result));
                       }
                   });
}

void QueryForwarder::onResult(const std::shared_ptr<Forward>& forward, unsigned attempt,
                              UpstreamResult result) {
    if (attempt != forward->attempt) {
        return; // the guard already moved on
    }
    hooks_.cancel(forward->guardTimer);
    forward->guardTimer = 0;
    if (!result.ok()) {
        fail(forward, describe(result));
        return;
    }
    if (const std::string why = rejectAnswer(forward->query, result.answer); !why.empty()) {
        fail(forward, why);
        return;
    }
    const auto& upstream = forward->order[forward->next - 1];
    finish(forward, stripPadding(result.answer), upstream->endpoint().id);
}

void QueryForwarder::fail(const std::shared_ptr<Forward>& forward, const std::string& failure) {
    const auto& upstream = forward->order[forward->next - 1];
    forward->outcome.failures.push_back(upstream->endpoint().id + ": " + failure);
    attemptNext(forward);
}

void QueryForwarder::finish(const std::shared_ptr<Forward>& forward, std::vector<uint8_t> answer,
                            std::string resolverId) {
    hooks_.cancel(forward->guardTimer);
    forwards_.erase(forward->key);
    std::move(forward->order.begin(), forward->order.end(), std::back_inserter(releasing_));
    forward->order.clear();
    if (releaseTimer_ == 0 && !releasing_.empty()) {
        releaseTimer_ = hooks_.after(std::chrono::milliseconds(0), [this] {
            releaseTimer_ = 0;
            releasing_.clear();
        });
    }
    if (answer.size() >= wire::kHeaderSize) {
        wire::setId(answer, forward->clientId);
    }
    ForwardOutcome outcome = std::move(forward->outcome);
    outcome.answer = std::move(answer);
    outcome.resolverId = std::move(resolverId);
    // Last: `forward` may be the only reference left, and done may start new forwards.
    const Done done = std::move(forward->done);
    done(std::move(outcome));
}

} // namespace mamori::dns
