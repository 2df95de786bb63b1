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
    "       mamori-run --learn [--switch PHASE=SYSCALL]... [--first-phase NAME]\n"
    "                  [--app-id ID] [--default-action ACTION] PROFILE -- COMMAND [ARGS...]\n"
    "\n"
    "Runs COMMAND under the seccomp filter compiled from PROFILE (a profile name looked up in\n"
    "the layer directories or MAMORI_PROFILE_PATH, or a path to a .profile file). No privileges\n"
    "needed: the launcher sets no_new_privs, installs the filter and execs COMMAND (searched on\n"
    "PATH). When mamorid runs, it supervises the sandbox: count limits, pointer checks, the\n"
    "first exec, and a report of every violation. Phases are switched inside the program by\n"
    "libmamori-phase.so, which the launcher preloads.\n"
    "\n"
    "Options:\n"
    "  --stateless   without mamorid, run a profile that needs it (count limits,\n"
    "                serialization, pointer checks) with those syscalls refused by its\n"
    "                default action instead: stricter than written\n"
    "  --explain     print what the filter does with each syscall and exit\n"
    "  --quiet, -q   no warnings\n"
    "  --help        this text\n"
    "  --version     the version\n"
    "\n"
    "Learning (needs root: it loads a BPF program that watches COMMAND's process tree):\n"
    "  --learn       run COMMAND unsandboxed until it exits (Ctrl-C or SIGTERM are passed on)\n"
    "                and write the syscalls it made as PROFILE (a path, or NAME for\n"
    "                $XDG_CONFIG_HOME/mamori/profiles/NAME.profile)\n"
    "  --switch PHASE=SYSCALL  a later phase, entered at the first call of SYSCALL (e.g.\n"
    "                serve=epoll_wait); repeat for more phases\n"
    "  --first-phase NAME      the first phase's name (default init)\n"
    "  --app-id ID   the profile's application id (default learned.<command>)\n"
    "  --default-action ACTION what the profile does with anything else (default errno:EPERM;\n"
    "                kill once the profile has been tried)\n"
    "\n"
    "Exit status: COMMAND's own, or\n"
    "  2    the profile needs the supervisor and mamorid is not running (see --stateless)\n"
    "  125  mamori-run failed: usage, profile error (file:line), filter install, mamorid\n"
    "       refused to supervise\n"
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
