// mamori-run: starts a program inside its sandbox profile. See `mamori-run --help`.
#include "common/Log.h"
#include "launcher/Launcher.h"

#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr const char* kUsage =
    "Usage: mamori-run [--stateless] [--explain] [--quiet] PROFILE -- COMMAND [ARGS...]\n"
    "\n"
    "Runs COMMAND under the seccomp filter compiled from PROFILE (a profile name looked up in\n"
    "the layer directories or MAMORI_PROFILE_PATH, or a path to a .profile file). No privileges\n"
    "needed: the launcher sets no_new_privs, installs the filter and execs COMMAND (searched on\n"
    "PATH).\n"
    "\n"
    "Options:\n"
    "  --stateless   run a profile that needs the supervisor (count limits, phases,\n"
    "                serialization, pointer checks) with those syscalls refused by its\n"
    "                default action instead: stricter than written\n"
    "  --explain     print what the filter does with each syscall and exit\n"
    "  --quiet, -q   no warnings\n"
    "  --help        this text\n"
    "  --version     the version\n"
    "\n"
    "Exit status: COMMAND's own, or\n"
    "  2    the profile needs the supervisor (mamorid), which is not available yet\n"
    "  125  mamori-run failed: usage, profile error (file:line), filter install\n"
    "  126  COMMAND was found but could not be executed\n"
    "  127  COMMAND was not found\n";

} // namespace

int main(int argc, char** argv) {
    using namespace mamori::launcher;
    mamori::log::setProgramName("mamori-run");
    try {
        LaunchOptions options = parseArguments(std::vector<std::string>(argv + 1, argv + argc));
        if (options.help) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (options.version) {
            std::puts("mamori-run " MAMORI_VERSION);
            return 0;
        }
        return Launcher(std::move(options)).run();
    } catch (const LaunchError& e) {
        mamori::log::error(e.what());
        return e.status();
    } catch (const std::exception& e) {
        mamori::log::error(e.what());
        return kExitLauncherError;
    }
}
