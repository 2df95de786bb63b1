// mamorictl's verbs. Each takes the parsed options and its remaining arguments, prints its
// result, and returns the exit status; failures throw CliError or sdbus::Error, which main()
// turns into one line on stderr.
#pragma once

#include <memory>
#include <sdbus-c++/IConnection.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace mamori::cli {

enum ExitStatus {
    kExitOk = 0,
    kExitFailure = 1,
    kExitUsage = 2,
    kExitNotRunning = 3,
    kExitNotAuthorized = 4,
};

class CliError : public std::runtime_error {
public:
    CliError(ExitStatus status, const std::string& message)
        : std::runtime_error(message)
        , status_(status) {}
    ExitStatus status() const { return status_; }

private:
    ExitStatus status_;
};

struct Options {
    bool json = false;
};

// The system bus, connected on first use so that usage errors never depend on a bus.
class Bus {
public:
    sdbus::IConnection& connection();

private:
    std::unique_ptr<sdbus::IConnection> connection_;
};

using Arguments = std::vector<std::string>;

int commandStatus(Bus& bus, const Options& options, const Arguments& args);
int commandFeatures(Bus& bus, const Options& options, const Arguments& args);
int commandEngine(Bus& bus, const Options& options, const Arguments& args);
int commandReload(Bus& bus, const Options& options, const Arguments& args);
// `lbm check|compile|dump|test`: runs locally on a rule file, never through mamorid.
int commandLbm(Bus& bus, const Options& options, const Arguments& args);
// `devices list|show|allow|block|rules|add-rule|remove-rule|policy|allow-all|bluetooth`.
int commandDevices(Bus& bus, const Options& options, const Arguments& args);
// `sandbox check|explain|show` work on a profile locally; `sandbox list|profiles|install|remove|
// watch` go through mamorid.
int commandSandbox(Bus& bus, const Options& options, const Arguments& args);
// `dns status|resolvers|add|remove|assign|unassign|default|shard|apps|exposure|threshold|
// reset-exposure|restore-defaults|watch`: the DNS engine through mamorid.
int commandDns(Bus& bus, const Options& options, const Arguments& args);

} // namespace mamori::cli
