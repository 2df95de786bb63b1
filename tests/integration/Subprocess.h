// Child processes for the integration tests: spawned with a chosen environment and user, their
// output collected, and always reaped (killed if still running) when the object goes away.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mamori::test {

struct RunResult {
    int exitCode = -1; // -1 when killed by a signal
    std::string out;
    std::string err;
};

class Subprocess {
public:
    struct Options {
        std::vector<std::string> argv;
        std::map<std::string, std::string> env; // added to (or replacing in) the test's env
        std::optional<uid_t> uid;               // drop to this user (and its primary group)
        std::string stderrPath;                 // append stderr here; empty: inherit
        // Removed from the inherited environment, e.g. umockdev's LD_PRELOAD for programs
        // that must see the real machine.
        std::vector<std::string> unsetEnv;
    };

    explicit Subprocess(const Options& options);
    ~Subprocess();
    Subprocess(const Subprocess&) = delete;
    Subprocess& operator=(const Subprocess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    void signal(int signo);
    // Exit code, or -signal when it died from one; waits at most `seconds`, then kills it.
    int wait(double seconds = 10.0);

    // Runs to completion with stdout and stderr captured.
    static RunResult run(const Options& options, double timeoutSeconds = 30.0);

private:
    pid_t pid_ = -1;
    int status_ = 0;
    bool reaped_ = false;
};

uid_t uidOf(const std::string& user);

} // namespace mamori::test
