// Keeps a flood of events (a sandboxed program refused a thousand times, a resolver warned
// about again and again) from becoming a flood of notifications: at most `burst` per `window`;
// what was held back is counted and told with the next one let through.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

namespace mamori::gui {

class NotificationRateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    NotificationRateLimiter(std::size_t burst, std::chrono::milliseconds window);

    // Whether an event at `now` may be shown. When it may, heldBack() says how many before it
    // were not (and is reset by the next call that lets one through).
    bool allow(Clock::time_point now);
    std::size_t heldBack() const { return reportedHeldBack_; }

private:
    std::size_t burst_;
    std::chrono::milliseconds window_;
    std::deque<Clock::time_point> shown_;
    std::size_t heldBack_ = 0;
    std::size_t reportedHeldBack_ = 0;
};

} // namespace mamori::gui
