// `mamorictl dns ...`: the DNS engine's state, its resolvers, where each app's queries go, what
// each resolver has learned (exposure) and the exposure warnings, through
// org.mamori.Mamori1.Dns. Reads need no authorization; every change asks polkit.
#include "cli/Commands.h"
#include "cli/JsonWriter.h"
#include "cli/PolkitTtyAgent.h"
#include "client/DnsClient.h"
#include "common/Names.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <pthread.h>
#include <string_view>

namespace mamori::cli {
namespace {

constexpr const char* kDnsUsage =
    "dns [status] | dns resolvers | dns add ID --address ADDRESS --protocol do53|dot "
    "[--port N] [--name TEXT] [--tls-name NAME] [--pin PIN] [--ca-file PATH] | dns remove ID | "
    "dns assign APP TARGET | dns unassign APP | dns default TARGET | dns shard [ID...] | "
    "dns apps | dns exposure [--apps] | dns threshold [BITS] | dns reset-exposure [RESOLVER] | "
    "dns doh | dns restore-defaults | dns watch";

// SetExposureThreshold's range (org.mamori.Mamori1.Dns.xml), checked here so that a typo is a
// usage error before any password prompt.
constexpr double kMaxThresholdBits = 64.0;

[[noreturn]] void usage(const std::string& problem) {
    throw CliError(kExitUsage, problem + "; usage: mamorictl " + kDnsUsage);
}

void expectCount(const Arguments& args, size_t count) {
    if (args.size() != count) {
        usage("wrong number of arguments for 'dns " + args.front() + "'");
    }
}

void printJson(const JsonWriter& json) {
    std::puts(json.str().c_str());
}

// JsonWriter has no floating-point numbers; bits go out as decimal text ("7.932") until it does.
void bitsValue(JsonWriter& json, double bits) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.3f", bits);
    json.value(buf.data());
}

std::string bitsText(double bits) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.2f", bits);
    return buf.data();
}

unsigned long long number(uint64_t value) {
    return static_cast<unsigned long long>(value);
}

std::string localTime(uint64_t usec) {
    if (usec == 0) {
        return "-";
    }
    const auto seconds = static_cast<std::time_t>(usec / 1000000);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S", &tm);
    return buf.data();
}

std::string joined(const std::vector<std::string>& items, const char* separator = ", ") {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

std::string orDash(const std::string& text) {
    return text.empty() ? "-" : text;
}

std::string appName(const std::string& app) {
    return app.empty() ? "(no app)" : app;
}

std::string endpoint(const ResolverView& r) {
    const bool ipv6 = r.address.find(':') != std::string::npos;
    return (ipv6 ? "[" + r.address + "]" : r.address) + ":" + std::to_string(r.port);
}

void stringArray(JsonWriter& json, const std::vector<std::string>& items) {
    json.beginArray();
    for (const auto& item : items) {
        json.value(item);
    }
    json.endArray();
}

struct Policy {
    std::string defaultTarget;
    std::vector<std::string> shard;
    std::map<std::string, std::string> assignments;
    double threshold = 0.0;

    static Policy read(DnsClient& client) {
        return {client.DefaultTarget(), client.ShardResolvers(), client.Assignments(),
                client.ExposureThreshold()};
    }
};

void writeStatusJson(const DnsStatusView& s, const Policy& policy) {
    JsonWriter json;
    json.beginObject().key("state").value(s.state).key("detail").value(s.detail);
    json.key("stub_port").value(static_cast<unsigned long>(s.stubPort));
    json.key("queries").value(static_cast<unsigned long>(s.queries));
    json.key("answered").value(static_cast<unsigned long>(s.answered));
    json.key("servfail").value(static_cast<unsigned long>(s.servfail));
    json.key("unknown_app").value(static_cast<unsigned long>(s.unknownApp));
    json.key("guard_dropped").value(static_cast<unsigned long>(s.guardDropped));
    json.key("guard_interfaces");
    stringArray(json, s.guardInterfaces);
    json.key("doh_monitor").value(s.dohMonitor);
    json.key("doh_probed_processes").value(static_cast<unsigned long>(s.dohProbedProcesses));
    json.key("default_target").value(policy.defaultTarget);
    json.key("shard_resolvers");
    stringArray(json, policy.shard);
    json.key("assignments").beginObject();
    for (const auto& [app, target] : policy.assignments) {
        json.key(app).value(target);
    }
    json.endObject().key("exposure_threshold_bits");
    bitsValue(json, policy.threshold);
    printJson(json.endObject());
}

std::string thresholdText(double threshold) {
    return threshold > 0.0 ? bitsText(threshold) + " bits" : "never (threshold 0)";
}

void writeStatusText(const DnsStatusView& s, const Policy& policy) {
    std::printf("DNS engine: %s%s\n", s.state.c_str(),
                s.detail.empty() ? "" : (" (" + s.detail + ")").c_str());
    if (s.running()) {
        std::printf("  Stub port         %u\n", static_cast<unsigned>(s.stubPort));
        std::printf(
            "  Queries           %llu (answered %llu, SERVFAIL %llu, without an app %llu)\n",
            number(s.queries), number(s.answered), number(s.servfail), number(s.unknownApp));
        std::printf("  Guard             %s; %llu spoofed answers dropped\n",
                    s.guardInterfaces.empty() ? "off" : ("on " + joined(s.guardInterfaces)).c_str(),
                    number(s.guardDropped));
        std::printf("  DoH monitor       %s; %u probed process%s\n", s.dohMonitor.c_str(),
                    static_cast<unsigned>(s.dohProbedProcesses),
                    s.dohProbedProcesses == 1 ? "" : "es");
    } else if (s.state == names::dns::kStateStopped) {
        std::puts("  (the settings below apply once it runs: 'mamorictl engine enable dns')");
    }
    std::printf("Default target:    %s\n", policy.defaultTarget.c_str());
    std::printf("Shard resolvers:   %s\n", joined(policy.shard).c_str());
    std::printf("Exposure warning:  %s\n", thresholdText(policy.threshold).c_str());
    if (policy.assignments.empty()) {
        std::puts("Assignments:       none (every app uses the default target)");
        return;
    }
    std::puts("Assignments:");
    for (const auto& [app, target] : policy.assignments) {
        std::printf("  %-32s %s\n", app.c_str(), target.c_str());
    }
}

int status(Bus& bus, const Options& options, const Arguments& args) {
    if (args.size() > 1) {
        usage("'dns status' takes no arguments");
    }
    DnsClient client(bus.connection());
    const DnsStatusView s = client.status();
    const Policy policy = Policy::read(client);
    if (options.json) {
        writeStatusJson(s, policy);
    } else {
        writeStatusText(s, policy);
    }
    return kExitOk;
}

const ResolverHealthView* healthOf(const std::vector<ResolverHealthView>& health,
                                   const std::string& id) {
    const auto it = std::find_if(health.begin(), health.end(),
                                 [&](const ResolverHealthView& h) { return h.id == id; });
    return it == health.end() ? nullptr : &*it;
}

void writeResolversJson(const std::vector<ResolverView>& resolvers,
                        const std::vector<ResolverHealthView>& health) {
    JsonWriter json;
    json.beginArray();
    for (const auto& r : resolvers) {
        json.beginObject().key("id").value(r.id).key("name").value(r.name);
        json.key("address").value(r.address).key("port").value(static_cast<unsigned long>(r.port));
        json.key("protocol").value(r.protocol).key("tls_name").value(r.tlsName);
        json.key("pin").value(r.pin).key("ca_file").value(r.caFile);
        if (const auto* h = healthOf(health, r.id)) {
            json.key("health").beginObject().key("healthy").value(h->healthy);
            json.key("answered").value(static_cast<unsigned long>(h->answered));
            json.key("failed").value(static_cast<unsigned long>(h->failed));
            json.key("guard_packets").value(static_cast<unsigned long>(h->guardPackets));
            json.key("guard_bytes").value(static_cast<unsigned long>(h->guardBytes));
            json.endObject();
        }
        json.endObject();
    }
    printJson(json.endArray());
}

void writeResolversTable(const std::vector<ResolverView>& resolvers,
                         const std::vector<ResolverHealthView>& health, bool running) {
    // The TLS name is padded only when health columns follow it.
    const char* row = running ? "%-20s %-24s %-8s %-28s %-24s" : "%-20s %-24s %-8s %-28s %s";
    std::printf(row, "ID", "NAME", "PROTOCOL", "ADDRESS", "TLS NAME");
    std::puts(running ? " HEALTH   ANSWERED   FAILED GUARD PKTS" : "");
    for (const auto& r : resolvers) {
        std::printf(row, r.id.c_str(), orDash(r.name).c_str(), r.protocol.c_str(),
                    endpoint(r).c_str(), orDash(r.tlsName).c_str());
        const auto* h = running ? healthOf(health, r.id) : nullptr;
        if (h == nullptr) {
            std::puts(running ? " -" : "");
            continue;
        }
        std::printf(" %-8s %8llu %8llu %10llu\n", h->healthy ? "ok" : "failing",
                    number(h->answered), number(h->failed), number(h->guardPackets));
    }
}

int resolvers(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 1);
    DnsClient client(bus.connection());
    const auto list = client.resolvers();
    const bool running = client.status().running();
    const auto health = running ? client.resolverHealth() : std::vector<ResolverHealthView>{};
    if (options.json) {
        writeResolversJson(list, health);
        return kExitOk;
    }
    if (list.empty()) {
        std::puts("No resolvers.");
        return kExitOk;
    }
    writeResolversTable(list, health, running);
    std::printf("Default target: %s; shard over: %s\n", client.DefaultTarget().c_str(),
                joined(client.ShardResolvers()).c_str());
    return kExitOk;
}

// `dns add`'s options, by their AddResolver settings key.
const std::map<std::string_view, const char*>& addOptionKeys() {
    static const std::map<std::string_view, const char*> keys{
        {"--address", "address"}, {"--protocol", "protocol"}, {"--port", "port"},
        {"--name", "name"},       {"--tls-name", "tls_name"}, {"--pin", "pin"},
        {"--ca-file", "ca_file"}};
    return keys;
}

bool isIpLiteral(const std::string& text) {
    in6_addr buffer{};
    return inet_pton(AF_INET, text.c_str(), &buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), &buffer) == 1;
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

uint16_t parsePort(const std::string& text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value == 0 || value > UINT16_MAX) {
        usage("'" + text + "' is not a port (1-65535)");
    }
    return static_cast<uint16_t>(value);
}

// The option values checked as far as the CLI can without mamorid, as AddResolver settings.
std::map<std::string, sdbus::Variant> resolverSettings(std::map<std::string, std::string> given) {
    if (given.count("address") == 0) {
        usage("'dns add' needs --address (an IPv4 or IPv6 address)");
    }
    if (given.count("protocol") == 0) {
        usage("'dns add' needs --protocol (do53 or dot)");
    }
    if (!isIpLiteral(given["address"])) {
        usage("'" + given["address"] +
              "' is not an IPv4 or IPv6 address (host names are not accepted: looking them up "
              "would leak them)");
    }
    given["protocol"] = lowercase(given["protocol"]);
    if (given["protocol"] != "do53" && given["protocol"] != "dot") {
        usage("unknown protocol '" + given["protocol"] + "' (do53 or dot)");
    }
    std::map<std::string, sdbus::Variant> settings;
    for (const auto& [key, value] : given) {
        if (key == "port") {
            settings.emplace(key, sdbus::Variant(parsePort(value)));
        } else if (key == "ca_file") {
            // mamorid does not share our working directory.
            settings.emplace(key, sdbus::Variant(std::filesystem::absolute(value).string()));
        } else {
            settings.emplace(key, sdbus::Variant(value));
        }
    }
    return settings;
}

int add(Bus& bus, const Options& options, const Arguments& args) {
    std::string id;
    std::map<std::string, std::string> given;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto option = addOptionKeys().find(arg);
        if (option != addOptionKeys().end()) {
            if (i + 1 >= args.size()) {
                usage("'" + arg + "' needs a value");
            }
            if (!given.emplace(option->second, args[++i]).second) {
                usage("'" + arg + "' given twice");
            }
        } else if (arg.starts_with("-")) {
            usage("unknown option '" + arg + "' for 'dns add'");
        } else if (id.empty()) {
            id = arg;
        } else {
            usage("'dns add' takes one resolver id; '" + arg + "' is a second one");
        }
    }
    if (id.empty()) {
        usage("'dns add' needs a resolver id");
    }
    const auto settings = resolverSettings(std::move(given));
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.AddResolver(id, settings);
    if (options.json) {
        JsonWriter json;
        printJson(json.beginObject().key("id").value(id).key("added").value(true).endObject());
    } else {
        std::printf("Resolver %s added.\n", id.c_str());
    }
    return kExitOk;
}

int removeResolver(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 2);
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.RemoveResolver(args[1]);
    if (options.json) {
        JsonWriter json;
        printJson(
            json.beginObject().key("id").value(args[1]).key("removed").value(true).endObject());
    } else {
        std::printf("Resolver %s removed.\n", args[1].c_str());
    }
    return kExitOk;
}

void reportAssignment(const Options& options, const std::string& app, const std::string& target,
                      const std::string& defaultTarget) {
    if (options.json) {
        JsonWriter json;
        printJson(json.beginObject().key("app").value(app).key("target").value(target).endObject());
    } else if (target.empty()) {
        std::printf("%s uses the default target (%s) again.\n", app.c_str(), defaultTarget.c_str());
    } else {
        std::printf("DNS queries of %s go to %s from its next query on.\n", app.c_str(),
                    target.c_str());
    }
}

int assign(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 3);
    if (args[1].empty() || args[2].empty()) {
        usage("'dns assign' needs an app id and a target (a resolver id or 'shard'); "
              "'dns unassign APP' removes an assignment");
    }
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.SetAssignment(args[1], args[2]);
    reportAssignment(options, args[1], args[2], {});
    return kExitOk;
}

int unassign(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 2);
    if (args[1].empty()) {
        usage("'dns unassign' needs an app id");
    }
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.SetAssignment(args[1], "");
    reportAssignment(options, args[1], "", client.DefaultTarget());
    return kExitOk;
}

int setDefault(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 2);
    if (args[1].empty()) {
        usage("'dns default' needs a target (a resolver id or 'shard')");
    }
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.SetDefaultTarget(args[1]);
    const auto current = client.DefaultTarget();
    if (options.json) {
        JsonWriter json;
        printJson(json.beginObject().key("default_target").value(current).endObject());
    } else {
        std::printf("Default target: %s.\n", current.c_str());
    }
    return kExitOk;
}

int shard(Bus& bus, const Options& options, const Arguments& args) {
    const std::vector<std::string> ids(args.begin() + 1, args.end());
    for (const auto& id : ids) {
        if (id.empty() || id.starts_with("-")) {
            usage("'" + id + "' is not a resolver id");
        }
    }
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.SetShardResolvers(ids);
    const auto current = client.ShardResolvers();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("shard_resolvers");
        stringArray(json, current);
        printJson(json.endObject());
    } else {
        std::printf("The shard target spreads over %s%s.\n", joined(current).c_str(),
                    ids.empty() ? " (every resolver)" : "");
    }
    return kExitOk;
}

int apps(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 1);
    DnsClient client(bus.connection());
    const auto list = client.apps();
    if (options.json) {
        JsonWriter json;
        json.beginArray();
        for (const auto& a : list) {
            json.beginObject().key("app").value(a.app).key("target").value(a.target);
            json.key("queries").value(static_cast<unsigned long>(a.queries));
            json.key("last_query_usec").value(static_cast<unsigned long>(a.lastQueryUsec));
            json.endObject();
        }
        printJson(json.endArray());
        return kExitOk;
    }
    if (list.empty()) {
        std::puts("No DNS queries seen yet (is the DNS engine enabled? 'mamorictl dns status')");
        return kExitOk;
    }
    std::printf("%-40s %-20s %10s  %s\n", "APP", "TARGET", "QUERIES", "LAST QUERY");
    for (const auto& a : list) {
        std::printf("%-40s %-20s %10llu  %s\n", appName(a.app).c_str(), a.target.c_str(),
                    number(a.queries), localTime(a.lastQueryUsec).c_str());
    }
    return kExitOk;
}

// Apps doing their own DNS over HTTPS (the DoH monitor and the destination check).
int doh(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 1);
    DnsClient client(bus.connection());
    const auto list = client.dohApps();
    if (options.json) {
        JsonWriter json;
        json.beginArray();
        for (const auto& d : list) {
            json.beginObject().key("app").value(d.app).key("server").value(d.server);
            json.key("seen_by").value(d.seenBy);
            json.key("questions").value(static_cast<unsigned long>(d.questions));
            json.key("connections").value(static_cast<unsigned long>(d.connections));
            json.endObject();
        }
        printJson(json.endArray());
        return kExitOk;
    }
    if (list.empty()) {
        std::puts("No app was seen doing its own DNS over HTTPS.");
        return kExitOk;
    }
    std::printf("%-40s %-32s %-12s %10s %12s\n", "APP", "SERVER", "SEEN BY", "QUESTIONS",
                "CONNECTIONS");
    for (const auto& d : list) {
        std::printf("%-40s %-32s %-12s %10llu %12llu\n", appName(d.app).c_str(), d.server.c_str(),
                    d.seenBy.c_str(), number(d.questions), number(d.connections));
    }
    std::puts("These queries bypass Mamori. \"destination\": the app's TLS cannot be read "
              "(e.g. Chrome's BoringSSL); only its connections to a known DoH server are seen.");
    return kExitOk;
}

bool reached(const ExposureView& e, double threshold) {
    return threshold > 0.0 && e.bits >= threshold;
}

void writeExposureJson(const std::vector<ExposureView>& rows, bool perApp, double threshold) {
    JsonWriter json;
    json.beginObject().key("threshold_bits");
    bitsValue(json, threshold);
    json.key(perApp ? "app_exposure" : "exposure").beginArray();
    for (const auto& e : rows) {
        json.beginObject().key("resolver").value(e.resolver);
        if (perApp) {
            json.key("app").value(e.app);
        } else {
            json.key("source").value(e.source);
        }
        json.key("queries").value(static_cast<unsigned long>(e.queries));
        json.key("domains").value(static_cast<unsigned long>(e.domains));
        json.key("bits");
        bitsValue(json, e.bits);
        json.key("threshold_reached").value(reached(e, threshold)).endObject();
    }
    printJson(json.endArray().endObject());
}

void writeExposureTable(const std::vector<ExposureView>& rows, bool perApp, double threshold) {
    std::printf("%-20s %-40s %10s %10s %8s\n", "RESOLVER", perApp ? "APP" : "SOURCE", "QUERIES",
                "DOMAINS", "BITS");
    for (const auto& e : rows) {
        const std::string second = perApp ? appName(e.app) : e.source;
        std::printf("%-20s %-40s %10llu %10llu %8s%s\n", e.resolver.c_str(), second.c_str(),
                    number(e.queries), number(e.domains), bitsText(e.bits).c_str(),
                    reached(e, threshold) ? "  (threshold reached)" : "");
    }
}

int exposure(Bus& bus, const Options& options, const Arguments& args) {
    const bool perApp = args.size() == 2 && args[1] == "--apps";
    if (args.size() > 2 || (args.size() == 2 && !perApp)) {
        usage("'dns exposure' takes only --apps");
    }
    DnsClient client(bus.connection());
    const auto rows = perApp ? client.appExposure() : client.exposure();
    const double threshold = client.ExposureThreshold();
    if (options.json) {
        writeExposureJson(rows, perApp, threshold);
        return kExitOk;
    }
    std::printf("Exposure warning: %s\n", thresholdText(threshold).c_str());
    if (rows.empty()) {
        std::puts("No resolver has seen any query yet.");
        return kExitOk;
    }
    writeExposureTable(rows, perApp, threshold);
    return kExitOk;
}

double parseBits(const std::string& text) {
    double value = 0.0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
        usage("'" + text + "' is not a number of bits");
    }
    if (value < 0.0 || value > kMaxThresholdBits) {
        usage("threshold '" + text + "' is out of range (0 to 64 bits; 0 never warns)");
    }
    return value;
}

int threshold(Bus& bus, const Options& options, const Arguments& args) {
    if (args.size() > 2) {
        usage("'dns threshold' takes one number of bits");
    }
    std::optional<double> bits;
    if (args.size() == 2) {
        bits = parseBits(args[1]);
    }
    DnsClient client(bus.connection());
    if (bits) {
        const PolkitTtyAgent agent;
        client.SetExposureThreshold(*bits);
    }
    const double current = client.ExposureThreshold();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("threshold_bits");
        bitsValue(json, current);
        printJson(json.endObject());
    } else {
        std::printf("Exposure warning: %s\n", thresholdText(current).c_str());
    }
    return kExitOk;
}

int resetExposure(Bus& bus, const Options& options, const Arguments& args) {
    if (args.size() > 2) {
        usage("'dns reset-exposure' takes at most one resolver id");
    }
    const std::string resolver = args.size() == 2 ? args[1] : "";
    if (args.size() == 2 && resolver.empty()) {
        usage("'dns reset-exposure' needs a resolver id, or none to forget everything");
    }
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.ResetExposure(resolver);
    if (options.json) {
        JsonWriter json;
        printJson(json.beginObject()
                      .key("resolver")
                      .value(resolver)
                      .key("reset")
                      .value(true)
                      .endObject());
    } else if (resolver.empty()) {
        std::puts("What every resolver has learned is forgotten.");
    } else {
        std::printf("What %s has learned is forgotten.\n", resolver.c_str());
    }
    return kExitOk;
}

int restoreDefaults(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 1);
    const PolkitTtyAgent agent;
    DnsClient client(bus.connection());
    client.RestoreShippedResolvers();
    const size_t count = client.Resolvers().size();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("restored").value(true);
        json.key("resolvers").value(static_cast<unsigned long>(count));
        printJson(json.endObject());
    } else {
        std::printf("The shipped resolver list is back: %zu resolvers, default target %s, no "
                    "assignments.\n",
                    count, client.DefaultTarget().c_str());
    }
    return kExitOk;
}

uint64_t nowUsec() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

void printWarning(const Options& options, const ExposureWarningView& w) {
    const uint64_t now = nowUsec();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("time_usec").value(static_cast<unsigned long>(now));
        json.key("resolver").value(w.resolver).key("source").value(w.source);
        json.key("bits");
        bitsValue(json, w.bits);
        json.key("domains").value(static_cast<unsigned long>(w.domains));
        json.key("threshold_bits");
        bitsValue(json, w.threshold);
        printJson(json.endObject());
    } else {
        std::printf("%s resolver %s (%s) has seen %llu domains: %s bits, threshold %s\n",
                    localTime(now).c_str(), w.resolver.c_str(), w.source.c_str(), number(w.domains),
                    bitsText(w.bits).c_str(), bitsText(w.threshold).c_str());
    }
    // Someone reading a pipe wants each line as it happens.
    std::fflush(stdout);
}

// `dns watch`: the ExposureWarning signals, one per line, until SIGINT or SIGTERM.
int watch(Bus& bus, const Options& options, const Arguments& args) {
    expectCount(args, 1);
    // Blocked before the bus thread starts, so that it inherits the mask and only sigwait
    // below sees them: the loop is left cleanly and the exit status is ours.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto& connection = bus.connection();
    DnsClient client(connection);
    client.ExposureThreshold(); // fails now, with the usual message, when mamorid does not run
    client.exposureWarning = [&options](const ExposureWarningView& w) { printWarning(options, w); };
    if (!options.json) {
        std::puts("Watching for DNS exposure warnings; Ctrl-C ends.");
        std::fflush(stdout);
    }
    connection.enterEventLoopAsync();
    int signo = 0;
    sigwait(&stop, &signo);
    connection.leaveEventLoop();
    return kExitOk;
}

using Action = std::function<int(Bus&, const Options&, const Arguments&)>;

const std::map<std::string_view, Action>& actions() {
    static const std::map<std::string_view, Action> table{{"status", status},
                                                          {"resolvers", resolvers},
                                                          {"add", add},
                                                          {"remove", removeResolver},
                                                          {"assign", assign},
                                                          {"unassign", unassign},
                                                          {"default", setDefault},
                                                          {"shard", shard},
                                                          {"apps", apps},
                                                          {"exposure", exposure},
                                                          {"doh", doh},
                                                          {"threshold", threshold},
                                                          {"reset-exposure", resetExposure},
                                                          {"restore-defaults", restoreDefaults},
                                                          {"watch", watch}};
    return table;
}

} // namespace

int commandDns(Bus& bus, const Options& options, const Arguments& args) {
    if (args.empty()) {
        return status(bus, options, {"status"});
    }
    const auto action = actions().find(args.front());
    if (action == actions().end()) {
        usage("unknown dns action '" + args.front() + "'");
    }
    return action->second(bus, options, args);
}

} // namespace mamori::cli
