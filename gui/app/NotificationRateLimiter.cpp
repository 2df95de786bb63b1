#include "NotificationRateLimiter.h"

namespace mamori::gui {

NotificationRateLimiter::NotificationRateLimiter(std::size_t burst,
                                                 std::chrono::milliseconds window)
    : burst_(burst)
    , window_(window) {}

bool NotificationRateLimiter::allow(Clock::time_point now) {
    while (!shown_.empty() && now - shown_.front() >= window_) {
        shown_.pop_front();
    }
    if (shown_.size() >= burst_) {
        ++heldBack_;
        return false;
    }
    shown_.push_back(now);
    reportedHeldBack_ = heldBack_;
    heldBack_ = 0;
    return true;
}

} // namespace mamori::gui
