// mamori_dns_bench: the DNS engine's production path for tests/bench/dns/run.sh. Runs a
// mamori::dns::DnsEngine (kernel steering of one cgroup, stub, forwarder, transports, guard,
// ledger) on a poll loop shaped like mamorid's, or with --detached only the stub, forwarder and
// transport with nothing attached to the kernel. Prints "ready port=<stub port>" once queries
// are answered, runs until SIGTERM or SIGINT, stops cleanly and prints what it served.
#include "DetachedStub.h"
#include "PollLoop.h"
#include "common/Log.h"
#include "dns/DnsConfig.h"
#include "dns/DnsEngine.h"
#include "dns/DnsSettings.h"

#include <charconv>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;
using namespace mamori;

constexpr const char* kUsage =
    R"(Usage: mamori_dns_bench --resolvers FILE --state DIR --cgroup DIR [OPTIONS]
       mamori_dns_bench --detached --resolvers FILE [OPTIONS]

Runs the DNS engine until SIGTERM/SIGINT; prints "ready port=N" when the stub answers.

  --resolvers FILE  resolver list ([Resolver <id>] groups, [Policy] Default=<id>)
  --state DIR       the engine's state directory (created if missing; engine mode)
  --cgroup DIR      the cgroup v2 directory whose processes are steered (engine mode;
                    required, so the bench never steers the whole system)
  --port N          the stub's port on loopback (default 0: any free one)
  --timeout-ms N    how long a resolver gets before the next one is asked (default 2000)
  --no-guard        do not attach the XDP guard (engine mode)
  --detached        no engine: DnsStub + QueryForwarder + the default resolver's transport,
                    no steering programs; clients send to 127.53.0.0:<port> themselves
)";

struct Options {
    fs::path resolvers;
    fs::path state;
    fs::path cgroup;
    std::uint16_t port = 0;
    unsigned timeoutMs = 2000;
    bool guard = true;
    bool detached = false;
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

unsigned number(std::string_view option, std::string_view text, unsigned max) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > max) {
        throw UsageError(std::string(option) + ": '" + std::string(text) +
                         "' is not a number from 0 to " + std::to_string(max));
    }
    return value;
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                throw UsageError(std::string(arg) + " needs a value");
            }
            return argv[++i];
        };
        if (arg == "--resolvers") {
            options.resolvers = value();
        } else if (arg == "--state") {
            options.state = value();
        } else if (arg == "--cgroup") {
            options.cgroup = value();
        } else if (arg == "--port") {
            options.port = static_cast<std::uint16_t>(number(arg, value(), 65535));
        } else if (arg == "--timeout-ms") {
            options.timeoutMs = number(arg, value(), 30000);
        } else if (arg == "--no-guard") {
            options.guard = false;
        } else if (arg == "--detached") {
            options.detached = true;
        } else {
            throw UsageError("unknown argument '" + std::string(arg) + "'");
        }
    }
    if (options.resolvers.empty()) {
        throw UsageError("--resolvers is required");
    }
    if (!fs::is_regular_file(options.resolvers)) {
        throw UsageError("--resolvers: '" + options.resolvers.string() +
                         "' is not a readable resolver list");
    }
    if (options.timeoutMs < 10) {
        throw UsageError("--timeout-ms: must be at least 10");
    }
    if (options.detached) {
        return options;
    }
    if (options.state.empty()) {
        throw UsageError("--state is required (the engine keeps its ledger there)");
    }
    if (options.cgroup.empty() || !fs::is_regular_file(options.cgroup / "cgroup.procs")) {
        throw UsageError("--cgroup: '" + options.cgroup.string() +
                         "' is not a cgroup v2 directory");
    }
    return options;
}

void announce(std::uint16_t port) {
    std::cout << "ready port=" << port << std::endl;
}

int runEngine(const Options& options) {
    dns::DnsConfig config;
    config.stubPort = options.port;
    config.steeringCgroup = fs::absolute(options.cgroup);
    config.guardEnabled = options.guard;
    config.queryTimeout = std::chrono::milliseconds(options.timeoutMs);
    config.resolverList = fs::absolute(options.resolvers);
    fs::create_directories(options.state);

    bench::PollLoop loop;
    dns::DnsEngine engine(loop.hooks(), config, options.state, {});
    engine.start();
    announce(engine.status().stubPort);
    loop.run();
    const auto status = engine.status();
    engine.stop();
    std::cout << "served queries=" << status.queries << " answered=" << status.answered
              << " servfail=" << status.servfail << " guard_dropped=" << status.guardDropped
              << std::endl;
    return 0;
}

int runDetached(const Options& options) {
    const auto settings = dns::DnsSettings::fromShippedList(options.resolvers);
    bench::PollLoop loop;
    bench::DetachedStub stub(loop.hooks(), settings, options.port,
                             std::chrono::milliseconds(options.timeoutMs));
    announce(stub.port());
    loop.run();
    std::cout << "served queries=" << stub.queries() << " answered=" << stub.answered()
              << " servfail=" << stub.servfail() << " guard_dropped=0" << std::endl;
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    log::setProgramName("mamori_dns_bench");
    try {
        const auto options = parseOptions(argc, argv);
        return options.detached ? runDetached(options) : runEngine(options);
    } catch (const UsageError& e) {
        std::cerr << "mamori_dns_bench: " << e.what() << "\n\n" << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mamori_dns_bench: " << e.what() << "\n";
        return 1;
    }
}
