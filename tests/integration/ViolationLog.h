// Violation signals of org.mamori.Mamori1.Sandbox as the tray would see them, collected on
// their own connection while a test runs.
#pragma once

#include "client/SandboxClient.h"

#include <memory>
#include <mutex>
#include <sdbus-c++/sdbus-c++.h>
#include <vector>

namespace mamori::test {

// Violation signals as the tray would see them, on their own connection.
class ViolationLog {
public:
    explicit ViolationLog(std::unique_ptr<sdbus::IConnection> connection)
        : connection_(std::move(connection))
        , client_(std::make_unique<SandboxClient>(*connection_)) {
        client_->violation = [this](const ViolationView& v) {
            const std::lock_guard lock(mutex_);
            seen_.push_back(v);
        };
        connection_->enterEventLoopAsync();
    }
    ~ViolationLog() {
        connection_->leaveEventLoop();
        client_.reset();
    }
    ViolationLog(const ViolationLog&) = delete;
    ViolationLog& operator=(const ViolationLog&) = delete;

    std::vector<ViolationView> seen() {
        const std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<SandboxClient> client_;
    std::mutex mutex_;
    std::vector<ViolationView> seen_;
};

} // namespace mamori::test
