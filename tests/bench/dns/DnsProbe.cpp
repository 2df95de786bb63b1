// mamori_dns_probe: closed-loop DNS latency for tests/bench/dns/run.sh. Sends one query at a
// time (the next only once the answer is in) and reports percentiles of the round trips, which
// dnsperf 2.10 does not print (and with -q 1 its sender and receiver threads manage only a few
// dozen queries a second here). Its own cost per query is a few system calls on one thread.
//
// --pair measures two paths interleaved query by query: a child process (moved into
// --pair-cgroup if given) asks the second server, and the two take turns through a socket
// pair, so a slow phase of the machine hits both alike. That is how the steering hooks' few
// microseconds are told apart from a virtual machine whose latency drifts by 20 %.
#include "DnsAsker.h"
#include "SharedSamples.h"
#include "common/UniqueFd.h"
#include "dns/DnsMessage.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace {

using mamori::UniqueFd;
using mamori::bench::DnsAsker;
using mamori::bench::Sample;
using mamori::bench::SharedSamples;

constexpr const char* kUsage =
    R"(Usage: mamori_dns_probe --server ADDR:PORT --names FILE [OPTIONS]

Closed-loop latency: one query at a time, A records for the names of FILE (dnsperf's format:
"name type" per line; the type is ignored), in order, wrapping around.

  --count N           measured queries (default 10000)
  --warmup N          queries sent first and not measured (default 200)
  --timeout-ms N      give up on a query after this long (default 2000)
  --socket MODE       per-query (default: a connected socket per query, like glibc) or shared
  --samples FILE      write every round trip (microseconds, one per line)
  --pair ADDR:PORT    also ask this server, taking turns query by query (names alternate)
  --pair-cgroup DIR   the cgroup v2 directory the --pair side runs in
  --pair-samples FILE the --pair side's round trips

Prints a line per side ("probe", then "pair"): sent, answered, lost, errors (answers other
than NOERROR with an address), p50/p90/p99/p999, mean, min and max of the round trips in
microseconds, and the median and mean time in the client's own system calls (socket, connect,
send; the recvfrom that returned the answer), where the cgroup hooks run. With --pair, a
"paired" line: the median over query pairs (both answered) of pair minus probe.
)";

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Options {
    sockaddr_in server{};
    std::string names;
    unsigned count = 10000;
    unsigned warmup = 200;
    std::chrono::milliseconds timeout{2000};
    bool perQuerySocket = true;
    std::string samples;
    std::optional<sockaddr_in> pair;
    std::string pairCgroup;
    std::string pairSamples;
};

unsigned number(std::string_view option, std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        throw UsageError(std::string(option) + ": '" + std::string(text) + "' is not a number");
    }
    return value;
}

sockaddr_in parseServer(std::string_view option, std::string_view text) {
    const auto colon = text.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    const std::string host(text.substr(0, colon));
    if (colon == std::string_view::npos ||
        ::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
        throw UsageError(std::string(option) + ": '" + std::string(text) +
                         "' is not IPV4ADDRESS:PORT");
    }
    const auto port = number(option, text.substr(colon + 1));
    if (port == 0 || port > 65535) {
        throw UsageError(std::string(option) + ": port " + std::to_string(port) +
                         " is out of range");
    }
    address.sin_port = htons(static_cast<uint16_t>(port));
    return address;
}

Options parseOptions(int argc, char** argv) {
    Options options;
    bool haveServer = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                throw UsageError(std::string(arg) + " needs a value");
            }
            return argv[++i];
        };
        if (arg == "--server") {
            options.server = parseServer(arg, value());
            haveServer = true;
        } else if (arg == "--names") {
            options.names = value();
        } else if (arg == "--count") {
            options.count = number(arg, value());
        } else if (arg == "--warmup") {
            options.warmup = number(arg, value());
        } else if (arg == "--timeout-ms") {
            options.timeout = std::chrono::milliseconds(std::min(number(arg, value()), 60000U));
        } else if (arg == "--socket") {
            const auto mode = value();
            if (mode != "per-query" && mode != "shared") {
                throw UsageError("--socket: '" + std::string(mode) +
                                 "' is not per-query or shared");
            }
            options.perQuerySocket = mode == "per-query";
        } else if (arg == "--samples") {
            options.samples = value();
        } else if (arg == "--pair") {
            options.pair = parseServer(arg, value());
        } else if (arg == "--pair-cgroup") {
            options.pairCgroup = value();
        } else if (arg == "--pair-samples") {
            options.pairSamples = value();
        } else {
            throw UsageError("unknown argument '" + std::string(arg) + "'");
        }
    }
    if (!haveServer || options.names.empty()) {
        throw UsageError("--server and --names are required");
    }
    if (options.count == 0 || options.timeout.count() <= 0) {
        throw UsageError("--count and --timeout-ms must be at least 1");
    }
    if (!options.pair && (!options.pairCgroup.empty() || !options.pairSamples.empty())) {
        throw UsageError("--pair-cgroup and --pair-samples need --pair");
    }
    return options;
}

std::vector<std::string> readNames(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw UsageError("--names: cannot read '" + path + "'");
    }
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        if (std::string name; fields >> name && name[0] != '#') {
            names.push_back(std::move(name));
        }
    }
    if (names.empty()) {
        throw UsageError("--names: '" + path + "' holds no names");
    }
    return names;
}

// Every query of the run, built before anything is timed; the ids count up. In a paired run
// the probe side asks the even ones and the pair side the odd ones.
std::vector<std::vector<uint8_t>> buildQueries(const Options& options) {
    const auto names = readNames(options.names);
    const std::size_t total = std::size_t{options.warmup + options.count} * (options.pair ? 2 : 1);
    std::vector<std::vector<uint8_t>> queries;
    queries.reserve(total);
    for (std::size_t i = 0; i < total; ++i) {
        queries.push_back(mamori::dns::buildQuery(names[i % names.size()], mamori::dns::rrtype::A,
                                                  static_cast<uint16_t>(i)));
    }
    return queries;
}

Sample toSample(const DnsAsker::Exchange& exchange) {
    using Micro = std::chrono::duration<double, std::micro>;
    return {Micro(exchange.roundTrip).count(), Micro(exchange.inSyscalls).count(),
            exchange.outcome};
}

std::vector<Sample> probeAlone(const Options& options,
                               const std::vector<std::vector<uint8_t>>& queries) {
    DnsAsker asker(options.server, options.perQuerySocket, options.timeout);
    std::vector<Sample> samples;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto sample = toSample(asker.ask(queries[i]));
        if (i >= options.warmup) {
            samples.push_back(sample);
        }
    }
    return samples;
}

void passTurn(int fd) {
    const char token = 1;
    if (::write(fd, &token, 1) != 1) {
        throw std::system_error(errno, std::generic_category(), "write (turn)");
    }
}

// False when the other side has gone.
bool awaitTurn(int fd) {
    char token = 0;
    return ::read(fd, &token, 1) == 1;
}

// The pair side, in the child: moves into its cgroup, then asks whenever it is its turn.
[[noreturn]] void runPairSide(const Options& options,
                              const std::vector<std::vector<uint8_t>>& queries, int turn,
                              SharedSamples& samples) {
    try {
        if (!options.pairCgroup.empty()) {
            std::ofstream procs(options.pairCgroup + "/cgroup.procs");
            procs << "0\n" << std::flush;
            if (!procs) {
                throw std::runtime_error("--pair-cgroup: cannot join " + options.pairCgroup);
            }
        }
        DnsAsker asker(*options.pair, options.perQuerySocket, options.timeout);
        for (std::size_t i = 0; 2 * i + 1 < queries.size(); ++i) {
            if (!awaitTurn(turn)) {
                ::_exit(1);
            }
            const auto sample = toSample(asker.ask(queries[2 * i + 1]));
            if (i >= options.warmup) {
                samples[i - options.warmup] = sample;
            }
            passTurn(turn);
        }
        ::_exit(0);
    } catch (const std::exception& e) {
        std::cerr << "mamori_dns_probe (pair side): " << e.what() << "\n";
        ::_exit(1);
    }
}

struct PairedRun {
    std::vector<Sample> probe;
    std::vector<Sample> pair;
};

PairedRun probePaired(const Options& options, const std::vector<std::vector<uint8_t>>& queries) {
    SharedSamples pairSamples(options.count);
    std::array<int, 2> sockets{};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets.data()) != 0) {
        throw std::system_error(errno, std::generic_category(), "socketpair");
    }
    UniqueFd ours(sockets[0]);
    UniqueFd theirs(sockets[1]);
    std::cout.flush();
    const pid_t child = ::fork();
    if (child < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (child == 0) {
        ours.reset();
        runPairSide(options, queries, theirs.get(), pairSamples);
    }
    theirs.reset();
    DnsAsker asker(options.server, options.perQuerySocket, options.timeout);
    PairedRun run;
    bool pairAlive = true;
    for (std::size_t i = 0; 2 * i < queries.size() && pairAlive; ++i) {
        const auto sample = toSample(asker.ask(queries[2 * i]));
        if (i >= options.warmup) {
            run.probe.push_back(sample);
        }
        passTurn(ours.get());
        pairAlive = awaitTurn(ours.get());
    }
    ours.reset();
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!pairAlive || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("the --pair side failed");
    }
    run.pair = pairSamples.copy();
    return run;
}

// Nearest rank: the smallest value with at least `fraction` of all values at or below it.
double percentile(const std::vector<double>& sorted, double fraction) {
    const auto rank =
        static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

double mean(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

void report(const char* label, const std::vector<Sample>& samples, const std::string& file) {
    unsigned answered = 0;
    unsigned lost = 0;
    std::vector<double> roundTrips;
    std::vector<double> syscalls;
    for (const auto& sample : samples) {
        if (sample.outcome == DnsAsker::Outcome::Lost) {
            ++lost;
            continue;
        }
        answered += sample.outcome == DnsAsker::Outcome::Answered ? 1 : 0;
        roundTrips.push_back(sample.microseconds);
        syscalls.push_back(sample.syscallMicroseconds);
    }
    if (!file.empty()) {
        std::ofstream out(file);
        out << std::fixed << std::setprecision(2);
        for (const double us : roundTrips) {
            out << us << '\n';
        }
    }
    std::cout << label << " sent=" << samples.size() << " answered=" << answered << " lost=" << lost
              << " errors=" << roundTrips.size() - answered;
    if (roundTrips.empty()) {
        std::cout << '\n';
        return;
    }
    std::sort(roundTrips.begin(), roundTrips.end());
    std::sort(syscalls.begin(), syscalls.end());
    std::cout << std::fixed << std::setprecision(1) << " p50_us=" << percentile(roundTrips, 0.50)
              << " p90_us=" << percentile(roundTrips, 0.90)
              << " p99_us=" << percentile(roundTrips, 0.99)
              << " p999_us=" << percentile(roundTrips, 0.999) << " mean_us=" << mean(roundTrips)
              << " min_us=" << roundTrips.front() << " max_us=" << roundTrips.back()
              << std::setprecision(2) << " syscalls_p50_us=" << percentile(syscalls, 0.50)
              << " syscalls_mean_us=" << mean(syscalls) << '\n';
}

// The median over the query pairs both answered of (pair - probe): each pair ran back to back.
void reportDifference(const PairedRun& run) {
    std::vector<double> differences;
    std::vector<double> syscallDifferences;
    for (std::size_t i = 0; i < std::min(run.probe.size(), run.pair.size()); ++i) {
        if (run.probe[i].outcome != DnsAsker::Outcome::Answered ||
            run.pair[i].outcome != DnsAsker::Outcome::Answered) {
            continue;
        }
        differences.push_back(run.pair[i].microseconds - run.probe[i].microseconds);
        syscallDifferences.push_back(run.pair[i].syscallMicroseconds -
                                     run.probe[i].syscallMicroseconds);
    }
    std::cout << "paired pairs=" << differences.size();
    if (differences.empty()) {
        std::cout << '\n';
        return;
    }
    std::sort(differences.begin(), differences.end());
    std::sort(syscallDifferences.begin(), syscallDifferences.end());
    std::cout << std::fixed << std::setprecision(2)
              << " diff_p50_us=" << percentile(differences, 0.50)
              << " syscalls_diff_p50_us=" << percentile(syscallDifferences, 0.50) << '\n';
}

} // namespace

int main(int argc, char** argv) {
    try {
        const auto options = parseOptions(argc, argv);
        const auto queries = buildQueries(options);
        if (!options.pair) {
            report("probe", probeAlone(options, queries), options.samples);
            return 0;
        }
        // A pair side that died must not kill us with SIGPIPE before we can say so.
        ::signal(SIGPIPE, SIG_IGN);
        const auto run = probePaired(options, queries);
        report("probe", run.probe, options.samples);
        report("pair", run.pair, options.pairSamples);
        reportDifference(run);
        return 0;
    } catch (const UsageError& e) {
        std::cerr << "mamori_dns_probe: " << e.what() << "\n\n" << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mamori_dns_probe: " << e.what() << "\n";
        return 1;
    }
}
