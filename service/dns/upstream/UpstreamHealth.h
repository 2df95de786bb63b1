// Per-endpoint health: a run of consecutive failures marks the endpoint unhealthy for a backoff
// period (doubling while it keeps failing); after that the next query is a probe, and one success
// brings it back. Time is read, not timed: no timer to cancel.
#pragma once

#include <chrono>
#include <cstdint>

namespace mamori::dns {

struct HealthPolicy {
    unsigned failureThreshold = 3;
    std::chrono::milliseconds backoff{2000};
    std::chrono::milliseconds maxBackoff{60000};
};

class UpstreamHealth {
public:
    using Clock = std::chrono::steady_clock;

    explicit UpstreamHealth(HealthPolicy policy = {})
        : policy_(policy) {}

    void recordSuccess();
    void recordFailure();
    // False while in backoff; true again once it ran out (the next query probes).
    bool healthy() const;
    unsigned consecutiveFailures() const { return failures_; }

private:
    HealthPolicy policy_;
    unsigned failures_ = 0;
    std::chrono::milliseconds currentBackoff_{0};
    Clock::time_point unhealthyUntil_{};
};

} // namespace mamori::dns
