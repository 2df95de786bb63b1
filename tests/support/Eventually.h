// Polling for something another process does: true as soon as `condition` holds, false if it
// still does not after `seconds`.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace mamori::test {

inline bool eventually(const std::function<bool()>& condition, double seconds = 10.0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

} // namespace mamori::test
