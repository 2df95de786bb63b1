// mamorid as a whole: reads the configuration, probes the kernel, takes the bus name, serves
// the D-Bus objects until SIGTERM, and talks to systemd (READY, WATCHDOG, STOPPING).
#pragma once

#include <filesystem>

namespace mamori {

struct DaemonPaths {
    std::filesystem::path configFile;
    std::filesystem::path stateDirectory;

    // systemd's CONFIGURATION_DIRECTORY and STATE_DIRECTORY (set by the unit, and by tests)
    // override the compiled-in /etc/mamori and /var/lib/mamori.
    static DaemonPaths fromEnvironment();
};

// Returns the process exit code: 0 after a clean shutdown, non-zero with a logged reason.
int runDaemon(const DaemonPaths& paths);

} // namespace mamori
