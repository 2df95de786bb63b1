// Real TLS programs for the DoH monitor's tests: child processes (curl, openssl s_client,
// gnutls-cli) and an `openssl s_server` on loopback with a certificate made for the test.
#pragma once

#include "common/UniqueFd.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace mamori::test {

// A temporary directory, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// One child process; killed (SIGKILL) and reaped on destruction if still running.
class Child {
public:
    struct Options {
        std::filesystem::path directory;      // working directory; empty: ours
        std::vector<std::string> environment; // "NAME=value" added to ours
        bool stdinPipe = false;               // else /dev/null
        bool captureStdout = false;           // else /dev/null
        // The child waits before exec until release(): its pid is known before it runs.
        bool holdBeforeExec = false;
    };

    Child(const std::vector<std::string>& argv, const Options& options);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    void release();
    void write(std::string_view text);
    void closeStdin();
    // The exit status (WEXITSTATUS), or nullopt if it did not end within `timeout` (then it
    // keeps running).
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // Whether its stdout (captureStdout) showed `needle` within `timeout`.
    bool waitForOutput(std::string_view needle, std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    UniqueFd stdin_;
    UniqueFd stdout_;
    UniqueFd gate_;
    std::string output_;
};

// Runs a command to its end; true when it exited 0 within `timeout`.
bool run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// `openssl s_server` on 127.0.0.1 with a self-signed certificate for kServerName, serving from
// its own directory: Mode::StatusPage (-www), Mode::Files (-WWW, files put into directory()),
// Mode::Echo (no HTTP: it prints what clients write, see received()).
class TlsServer {
public:
    enum class Mode { StatusPage, Files, Echo };
    static constexpr std::string_view kServerName = "doh.test";

    explicit TlsServer(Mode mode);

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return server_->pid(); }
    const std::filesystem::path& directory() const { return dir_.path(); }
    // Whether it accepted a TCP connection within the start-up time.
    bool ready() const { return ready_; }
    // Echo mode: whether a client's data containing `needle` arrived within `timeout`.
    bool received(std::string_view needle, std::chrono::milliseconds timeout) {
        return server_->waitForOutput(needle, timeout);
    }

private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::optional<Child> server_;
    bool ready_ = false;
};

// A free TCP port on 127.0.0.1 right now.
std::uint16_t freePort();

} // namespace mamori::test
