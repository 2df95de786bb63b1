// mamori_doh_bench: the DoH monitor as mamorid runs it (mamori::dns::DohMonitor: the uprobes on
// the libssl/libgnutls files processes map, one decoder per TLS connection, verdicts back to
// the kernel) on a poll loop shaped like mamorid's, for tests/bench/doh/run.sh. By default the
// probes sit in every process (DohMonitor=all-processes); --doh-clients probes only processes
// that connect to port 443 of the given DoH server, reported by the DNS engine's cgroup hooks
// (DnsSteering) as in mamorid's default scope. --detached loads nothing: the same process with
// no probes, the baseline. Prints "ready ..." once the
// probes are attached, a "counters ..." line on each SIGUSR1 (so the script can split one run
// into workloads) and once more at SIGTERM/SIGINT, when it stops.
#include "PollLoop.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "dns/DnsSteering.h"
#include "dns/doh/DohMonitor.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/signalfd.h>
#include <system_error>
#include <unistd.h>

namespace {

using namespace mamori;

constexpr const char* kUsage =
    R"(Usage: mamori_doh_bench [--detached | --doh-clients CGROUP ADDRESS]

Runs the DoH monitor (DohMonitor: probes, decoders, verdicts) until SIGTERM/SIGINT.
Prints "ready libraries=..." once attached, and a "counters ..." line on every SIGUSR1
and at exit: questions seen, questions per process name, and the probes' counters.

  --detached                    attach nothing (the baseline); prints "ready detached" and
                                zero counters
  --doh-clients CGROUP ADDRESS  mamorid's default scope: probe only the processes below the
                                cgroup v2 directory CGROUP that connect to port 443 of
                                ADDRESS (the DNS engine's connect hooks report them)
)";

// An unused port for the steering hooks' port-53 rewrite, which the benchmark's clients never
// trigger (curl resolves through DoH, wrk connects to an address).
constexpr std::uint16_t kUnusedStubPort = 5399;

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Options {
    bool detached = false;
    // --doh-clients: where the connect hooks go, and the DoH server whose clients are probed.
    std::string clientsCgroup;
    std::string dohServer;
};

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--detached") {
            options.detached = true;
        } else if (arg == "--doh-clients" && i + 2 < argc) {
            options.clientsCgroup = argv[++i];
            options.dohServer = argv[++i];
        } else {
            throw UsageError("unknown or incomplete argument '" + std::string(arg) + "'");
        }
    }
    if (options.detached && !options.clientsCgroup.empty()) {
        throw UsageError("--detached and --doh-clients exclude each other");
    }
    return options;
}

// What the monitor saw since it started: the script subtracts two snapshots.
struct Tally {
    std::uint64_t questions = 0;
    // --doh-clients: the processes probed so far.
    std::set<pid_t> probed;
    std::map<std::string, std::uint64_t> questionsByComm;
};

std::string countersLine(const Tally& tally, const dns::DohProbes::Counters& c) {
    std::ostringstream line;
    line << "counters questions=" << tally.questions << " probed=" << tally.probed.size()
         << " events=" << c.events << " bytes_copied=" << c.bytesCopied
         << " events_dropped=" << c.eventsDropped << " decided_doh=" << c.decidedDoh
         << " decided_not_doh=" << c.decidedNotDoh << " budget_spent=" << c.budgetSpent
         << " early_rejected=" << c.earlyRejected << " unreadable=" << c.unreadableBuffers
         << " file_reports=" << c.fileReports << " by_comm=";
    if (tally.questionsByComm.empty()) {
        line << '-';
    }
    const char* separator = "";
    for (const auto& [comm, count] : tally.questionsByComm) {
        line << separator << comm << ':' << count;
        separator = ",";
    }
    return line.str();
}

// SIGUSR1 through a signalfd on the loop, like the loop's own SIGTERM: a snapshot is printed
// between two events, never from inside a handler.
class SnapshotSignal {
public:
    SnapshotSignal() {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
            throw std::system_error(errno, std::generic_category(), "sigprocmask");
        }
        fd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
        if (!fd_) {
            throw std::system_error(errno, std::generic_category(), "signalfd");
        }
    }

    int fd() const { return fd_.get(); }

    // True when at least one SIGUSR1 was waiting.
    bool drain() {
        signalfd_siginfo info{};
        bool any = false;
        while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            any = true;
        }
        return any;
    }

private:
    UniqueFd fd_;
};

void print(const std::string& line) {
    std::cout << line << std::endl;
}

int runAttached(const Options& options) {
    SnapshotSignal snapshot;
    bench::PollLoop loop;
    Tally tally;
    const bool clientsOnly = !options.clientsCgroup.empty();
    dns::DohMonitor monitor(
        loop.hooks(),
        [&tally](const dns::DohSighting& sighting) {
            ++tally.questions;
            ++tally.questionsByComm[sighting.comm];
        },
        clientsOnly ? dns::DohProbes::Scope::WatchedProcesses
                    : dns::DohProbes::Scope::AllProcesses);
    // As DnsEngine::probeDohClients does it.
    std::optional<dns::DnsSteering> steering;
    if (clientsOnly) {
        steering.emplace(options.clientsCgroup, kUnusedStubPort);
        steering->setDohEndpoints({options.dohServer});
        loop.hooks().watch(steering->dohClientsFd(), [&] {
            steering->consumeDohClients([&](pid_t pid, const std::string& server) {
                if (monitor.watchProcess(pid, server)) {
                    tally.probed.insert(pid);
                }
            });
        });
    }
    std::string libraries;
    for (const auto& library : monitor.libraries()) {
        libraries += (libraries.empty() ? "" : ",") + library;
    }
    loop.hooks().watch(snapshot.fd(), [&] {
        if (snapshot.drain()) {
            print(countersLine(tally, monitor.counters()));
        }
    });
    print("ready libraries=" + (libraries.empty() ? std::string("-") : libraries));
    loop.run();
    loop.hooks().unwatch(snapshot.fd());
    if (steering) {
        loop.hooks().unwatch(steering->dohClientsFd());
    }
    print(countersLine(tally, monitor.counters()));
    return 0;
}

int runDetached() {
    SnapshotSignal snapshot;
    bench::PollLoop loop;
    const Tally none;
    loop.hooks().watch(snapshot.fd(), [&] {
        if (snapshot.drain()) {
            print(countersLine(none, {}));
        }
    });
    print("ready detached");
    loop.run();
    loop.hooks().unwatch(snapshot.fd());
    print(countersLine(none, {}));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    log::setProgramName("mamori_doh_bench");
    try {
        const Options options = parseOptions(argc, argv);
        return options.detached ? runDetached() : runAttached(options);
    } catch (const UsageError& e) {
        std::cerr << "mamori_doh_bench: " << e.what() << "\n\n" << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mamori_doh_bench: " << e.what() << "\n";
        return 1;
    }
}
