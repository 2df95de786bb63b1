#include "dns/upstream/UpstreamHealth.h"

#include <algorithm>

namespace mamori::dns {

void UpstreamHealth::recordSuccess() {
    failures_ = 0;
    currentBackoff_ = std::chrono::milliseconds{0};
    unhealthyUntil_ = {};
}

void UpstreamHealth::recordFailure() {
    ++failures_;
    if (failures_ < policy_.failureThreshold) {
        return;
    }
    // A failed probe (or the failure that crossed the threshold) starts or lengthens the backoff.
    currentBackoff_ = currentBackoff_.count() == 0
                          ? policy_.backoff
                          : std::min(currentBackoff_ * 2, policy_.maxBackoff);
    unhealthyUntil_ = Clock::now() + currentBackoff_;
}

bool UpstreamHealth::healthy() const {
    return failures_ < policy_.failureThreshold || Clock::now() >= unhealthyUntil_;
}

} // namespace mamori::dns
