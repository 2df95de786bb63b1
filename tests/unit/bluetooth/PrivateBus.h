// A private session-type dbus-daemon for one test, listening on a socket in its own temporary
// directory and stopped (and the directory removed) when this object goes away.
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace mamori::test {

class PrivateBus {
public:
    PrivateBus();
    ~PrivateBus();
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    // Empty when dbus-daemon can be started here, otherwise why not (for GTEST_SKIP).
    static std::string unavailableReason();

    const std::string& address() const { return address_; }

private:
    void stop() noexcept;

    std::filesystem::path dir_;
    std::string address_;
    pid_t pid_ = -1;
};

} // namespace mamori::test
