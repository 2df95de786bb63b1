#include "PrivateBus.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace mamori::test {
namespace {

constexpr const char* kDaemon = "/usr/bin/dbus-daemon";

// Anyone may own and call anything: the test process is both BlueZ and its client.
constexpr const char* kConfig = R"(<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=@SOCKET@</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)";

bool canConnect(const std::filesystem::path& socketPath) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socketPath.c_str(), sizeof addr.sun_path - 1);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API wants it
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

} // namespace

std::string PrivateBus::unavailableReason() {
    if (::access(kDaemon, X_OK) != 0) {
        return std::string(kDaemon) + " is not installed (Debian package dbus-daemon)";
    }
    return {};
}

PrivateBus::PrivateBus() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mamori-bus-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    const auto socketPath = dir_ / "bus";
    std::string config = kConfig;
    config.replace(config.find("@SOCKET@"), std::strlen("@SOCKET@"), socketPath.string());
    std::ofstream(dir_ / "bus.conf") << config;

    const std::string configArg = "--config-file=" + (dir_ / "bus.conf").string();
    std::vector<std::string> args{kDaemon, configArg, "--nofork", "--nopidfile"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, kDaemon, nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        pid_ = -1;
        std::filesystem::remove_all(dir_);
        throw std::runtime_error(std::string("cannot start dbus-daemon: ") + std::strerror(rc));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!canConnect(socketPath)) {
        if (std::chrono::steady_clock::now() > deadline) {
            // The destructor does not run for a constructor that throws: clean up here.
            stop();
            throw std::runtime_error("dbus-daemon did not start listening within 10 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    address_ = "unix:path=" + socketPath.string();
}

PrivateBus::~PrivateBus() {
    stop();
}

void PrivateBus::stop() noexcept {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

} // namespace mamori::test
