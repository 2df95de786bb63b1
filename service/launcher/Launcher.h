// mamori-run's work: parse the command line, compile the profile, refuse what cannot be
// enforced as written, install the filter and exec the program. The launcher execs into the
// program, so the program's exit status and death signal are what the caller sees.
#pragma once

#include "sandbox/FilterCompiler.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mamori::launcher {

// Exit statuses of mamori-run itself, following env(1) and timeout(1): anything else is the
// program's own status.
inline constexpr int kExitNeedsSupervisor = 2; // the profile needs mamorid, not running
inline constexpr int kExitLauncherError = 125; // usage, profile errors, filter install
inline constexpr int kExitCannotExecute = 126; // COMMAND found but could not be executed
inline constexpr int kExitNotFound = 127;      // COMMAND not found

// A failure that ends the launcher with `status` after printing the message.
class LaunchError : public std::runtime_error {
public:
    LaunchError(int status, const std::string& message)
        : std::runtime_error(message)
        , status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

struct LaunchOptions {
    bool learn = false;
    // --learn: the first phase's name and (phase, switch syscall) for each later one.
    std::string firstPhase = "init";
    std::vector<std::pair<std::string, std::string>> switches;
    std::string appId;
    std::string defaultAction;
    bool stateless = false;
    bool explain = false;
    bool quiet = false;
    bool help = false;
    bool version = false;
    std::string profile;
    std::vector<std::string> command;
};

// Throws LaunchError(kExitLauncherError) on a malformed command line.
LaunchOptions parseArguments(const std::vector<std::string>& args);

class Launcher {
public:
    explicit Launcher(LaunchOptions options);

    // Returns only for --explain (0) or throws LaunchError; on success the process has become
    // COMMAND.
    int run();

private:
    int learnProfile() const;
    sandbox::CompiledProfile compile(const sandbox::Profile& profile) const;
    // mamorid is not there for a profile that needs it: refuses, or with --stateless says
    // what the stateless subset enforces more strictly.
    void refuseOrWarn(const sandbox::Plan& full) const;
    void warnIfOtherBinary(const sandbox::Profile& profile, const std::string& resolved) const;
    int explain(const sandbox::Plan& plan) const;

    LaunchOptions options_;
};

// Where `mamori-run --learn PROFILE` writes: PROFILE itself when it has a '/' or ends in
// `.profile`, else PROFILE.profile in the user's layer ($XDG_CONFIG_HOME/mamori/profiles).
std::string learnedProfilePath(const std::string& profile);

// COMMAND as execvp(3) would find it: as given when it contains a '/', else the first
// executable regular file of that name on PATH. Empty when there is none.
std::string resolveCommand(const std::string& command);

} // namespace mamori::launcher
