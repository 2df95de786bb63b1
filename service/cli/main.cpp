// mamorictl: the command-line client of mamorid. See `mamorictl --help`.
#include "cli/Commands.h"
#include "common/Errors.h"
#include "common/Names.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <sdbus-c++/sdbus-c++.h>
#include <string_view>

namespace {

using namespace mamori::cli;

constexpr const char* kUsage =
    "Usage: mamorictl [--json] COMMAND [ARGS...]\n"
    "\n"
    "Talks to mamorid, Mamori's privacy and device-protection service, on the system bus.\n"
    "\n"
    "Commands:\n"
    "  status                          whether mamorid runs, its engines, unreadable state\n"
    "  features                        what this kernel allows (eBPF, seccomp, patches)\n"
    "  engine enable|disable NAME      switch the dns, sandbox or devices engine (asks polkit)\n"
    "  reload                          re-read /etc/mamori/mamori.conf (asks polkit)\n"
    "  devices [list]                  USB devices mamorid knows and whether they may work\n"
    "  devices show ID                 one device: identity, interfaces, decision\n"
    "  devices allow ID [--always] [--interface N]...\n"
    "                                  allow a device (only the interfaces given, if any);\n"
    "                                  --always remembers it (asks polkit)\n"
    "  devices block ID [--always]     keep a device off (asks polkit)\n"
    "  devices rules                   the stored device rules (asks polkit)\n"
    "  devices add-rule TEXT           store a rule in the peripheral rule language\n"
    "  devices remove-rule NAME        remove a stored rule\n"
    "  devices policy [allow|ask|block] show or set what happens to new devices\n"
    "  devices allow-all --for DURATION\n"
    "                                  emergency escape: allow every device plugged in\n"
    "                                  during DURATION (90s, 5m, 1h; 0 ends it)\n"
    "  devices bluetooth [on|off]      show or switch the Bluetooth radios\n"
    "  devices bluetooth services [UUID...|none]\n"
    "                                  show or limit the Bluetooth services (via BlueZ)\n"
    "  lbm check FILE                  parse and type-check a peripheral rule file\n"
    "  lbm compile FILE [-o OUT] [--target lbm|xdp]\n"
    "                                  compile its packet rules to raw eBPF bytecode\n"
    "  lbm dump FILE [--target lbm|xdp] show the compiled filter as eBPF assembly\n"
    "  lbm test FILE --packet HEX|--packet-file F [--subsystem usb|hci|l2cap]\n"
    "           [--set FIELD=VALUE]... run the filter on one packet in this kernel (root);\n"
    "                                  hci packets start with the H:4 type byte, --set\n"
    "                                  fills metadata such as usb.urb.setup=80060001...\n"
    "  lbm attach FILE                 put its packet rules on the kernel's LBM hooks,\n"
    "                                  replacing Mamori's earlier filter (LBM patch, root)\n"
    "  lbm detach                      take Mamori's filters off the LBM hooks\n"
    "  lbm status                      programs and packet/drop counts per LBM hook\n"
    "                                  (lbm commands run locally, without mamorid)\n"
    "  sandbox check PROFILE           parse and validate a sandbox profile (name or path)\n"
    "  sandbox explain PROFILE [--syscall NAME] [--stateless] [--bpf OUT]\n"
    "                                  per syscall: action, reason, guarantee on this\n"
    "                                  kernel; --bpf writes the seccomp filter (cBPF)\n"
    "  sandbox show PROFILE            the merged profile as one keyfile\n"
    "                                  (check, explain and show run locally)\n"
    "  sandbox list                    the sandboxes mamorid supervises now\n"
    "  sandbox profiles                the administrator's profiles (from mamorid) and\n"
    "                                  the profiles in the layer directories seen here\n"
    "  sandbox install NAME FILE       check FILE (- for stdin) and store it as\n"
    "                                  /etc/mamori/profiles/NAME.profile (asks polkit)\n"
    "  sandbox remove NAME             remove an administrator's profile (asks polkit)\n"
    "  sandbox watch                   print sandbox violations as they happen\n"
    "  dns [status]                    the DNS engine: state, counters, default target,\n"
    "                                  shard resolvers, per-app assignments\n"
    "  dns resolvers                   the resolvers (and their health while it runs)\n"
    "  dns add ID --address ADDRESS --protocol do53|dot [--port N] [--name TEXT]\n"
    "          [--tls-name NAME] [--pin PIN] [--ca-file PATH]\n"
    "                                  add a resolver (dot needs --tls-name) (asks polkit)\n"
    "  dns remove ID                   remove a resolver nothing uses (asks polkit)\n"
    "  dns assign APP TARGET           send APP's queries to TARGET, a resolver id or\n"
    "                                  'shard' (asks polkit)\n"
    "  dns unassign APP                APP uses the default target again (asks polkit)\n"
    "  dns default TARGET              the target of every other query (asks polkit)\n"
    "  dns shard [ID...]               the resolvers 'shard' spreads domains over; none:\n"
    "                                  all of them (asks polkit)\n"
    "  dns apps                        the apps whose queries mamorid has seen\n"
    "  dns exposure [--apps]           what each resolver has learned (per app too)\n"
    "  dns doh                         apps doing their own DNS over HTTPS, bypassing Mamori\n"
    "  dns threshold [BITS]            show or set the exposure warning threshold, 0 to 64\n"
    "                                  bits; 0 never warns (asks polkit)\n"
    "  dns reset-exposure [RESOLVER]   forget what one (or every) resolver has learned\n"
    "                                  (asks polkit)\n"
    "  dns restore-defaults            back to the shipped resolver list, default and\n"
    "                                  shard set, no assignments (asks polkit)\n"
    "  dns watch                       print exposure warnings as they happen\n"
    "\n"
    "Options:\n"
    "  --json      machine-readable output\n"
    "  --help      this text\n"
    "  --version   the version of mamorictl\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 bad usage, 3 mamorid not running, 4 not authorized.\n";

using Command = std::function<int(Bus&, const Options&, const Arguments&)>;

const std::map<std::string_view, Command>& commands() {
    static const std::map<std::string_view, Command> table{
        {"status", commandStatus},   {"features", commandFeatures},
        {"engine", commandEngine},   {"reload", commandReload},
        {"devices", commandDevices}, {"lbm", commandLbm},
        {"sandbox", commandSandbox}, {"dns", commandDns}};
    return table;
}

int fail(ExitStatus status, const std::string& message) {
    std::fprintf(stderr, "mamorictl: %s\n", message.c_str());
    return status;
}

int reportDbusError(const sdbus::Error& e) {
    const std::string& name = e.getName();
    if (name == mamori::names::error::kServiceUnknown ||
        name == mamori::names::error::kNameHasNoOwner) {
        return fail(kExitNotRunning, "mamorid is not running (nobody owns " +
                                         std::string(mamori::names::kBusName) +
                                         " on the system bus)");
    }
    const auto code = mamori::errorCodeFromDbusName(name);
    if (code == mamori::ErrorCode::AccessDenied) {
        return fail(kExitNotAuthorized, "not authorized: " + e.getMessage());
    }
    if (code == mamori::ErrorCode::InvalidArgs) {
        return fail(kExitUsage, "invalid argument: " + e.getMessage());
    }
    if (e.getMessage().empty()) {
        return fail(kExitFailure, name);
    }
    return fail(kExitFailure, e.getMessage());
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    Arguments rest;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if (rest.empty() && (arg == "--help" || arg == "-h")) {
            std::fputs(kUsage, stdout);
            return kExitOk;
        }
        if (rest.empty() && arg == "--version") {
            std::puts("mamorictl " MAMORI_VERSION);
            return kExitOk;
        }
        if (arg == "--json") {
            options.json = true;
            continue;
        }
        if (rest.empty() && arg.starts_with("-")) {
            return fail(kExitUsage,
                        "unknown option '" + std::string(arg) + "'; try 'mamorictl --help'");
        }
        rest.emplace_back(arg);
    }
    if (rest.empty()) {
        return fail(kExitUsage, "no command given; try 'mamorictl --help'");
    }
    const auto command = commands().find(rest.front());
    if (command == commands().end()) {
        return fail(kExitUsage, "unknown command '" + rest.front() + "'; try 'mamorictl --help'");
    }
    rest.erase(rest.begin());
    try {
        Bus bus;
        return command->second(bus, options, rest);
    } catch (const CliError& e) {
        return fail(e.status(), e.what());
    } catch (const sdbus::Error& e) {
        return reportDbusError(e);
    } catch (const std::exception& e) {
        return fail(kExitFailure, e.what());
    }
}
