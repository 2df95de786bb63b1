// mamorid: Mamori's system service. See `mamorid --help`.
#include "common/Log.h"
#include "core/Daemon.h"
#include "kernel/FeatureProbe.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

constexpr const char* kUsage =
    "Usage: mamorid [--help] [--version] [--probe]\n"
    "\n"
    "Mamori's privileged system service: per-app DNS privacy, app sandboxes and USB/Bluetooth\n"
    "device protection, driven through eBPF and offered on the system bus as org.mamori.Mamori1.\n"
    "It is normally started by systemd (mamorid.service) or D-Bus activation; use mamorictl to\n"
    "talk to it.\n"
    "\n"
    "  --probe  print what this kernel offers the engines (the feature probe mamorid runs at\n"
    "           start, also run in the qemu guest of kernel-patches/) and exit\n"
    "\n"
    "Environment:\n"
    "  CONFIGURATION_DIRECTORY  directory of mamori.conf (default " MAMORI_CONFIG_DIR ")\n"
    "  STATE_DIRECTORY          where choices are kept (default " MAMORI_STATE_DIR ")\n"
    "  DBUS_SYSTEM_BUS_ADDRESS  the system bus to serve on (default: the system's own)\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads configuration and state.\n";

// One line per feature: name, yes/no, why.
int printFeatures() {
    const auto report = mamori::kernel::FeatureProbe{}.run();
    for (const auto& [name, result] : report.features) {
        std::printf("%-20s %-3s %s\n", name.c_str(), result.available ? "yes" : "no",
                    result.detail.c_str());
    }
    return EXIT_SUCCESS;
}

} // namespace

int main(int argc, char** argv) {
    mamori::log::setProgramName("mamorid");
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            return EXIT_SUCCESS;
        }
        if (arg == "--version") {
            std::puts("mamorid " MAMORI_VERSION);
            return EXIT_SUCCESS;
        }
        if (arg == "--probe") {
            return printFeatures();
        }
        std::fprintf(stderr, "mamorid: unknown argument '%s'\nTry 'mamorid --help'.\n", argv[i]);
        return 2;
    }
    try {
        return mamori::runDaemon(mamori::DaemonPaths::fromEnvironment());
    } catch (const std::exception& e) {
        mamori::log::error(std::string("fatal: ") + e.what());
        return EXIT_FAILURE;
    }
}
