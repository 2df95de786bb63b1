// The DNS engine as users get it: mamorid on a private system bus with the real polkitd, three
// real unbound resolvers in network namespaces (r1 and r2 over DoT with a CA the test made, r3
// plain DNS), and "apps": processes placed in cgroups named like the systemd scopes desktops
// start apps in, resolving with glibc's getaddrinfo (getent: connected UDP), dig (unconnected
// UDP) and dig +tcp. Every resolver answers any name with its own address (192.0.2.N), so the
// answer says which resolver served it.
//
// mamorid steers a cgroup of the test's own (SteeringCgroup), so nothing else on the machine
// is affected while these tests run.
#include "../BusTestSuite.h"
#include "../SystemBusHarness.h"
#include "DohHttp1ServerProcess.h"
#include "PacketCapture.h"
#include "ResolverNetns.h"
#include "common/Names.h"
#include "common/UniqueFd.h"
#include "dns/DnsSteering.h"
#include "dns/doh/Base64Url.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace mamori;
using namespace mamori::test;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kFirefoxScope = "app-gnome-org.mozilla.firefox-1234.scope";
constexpr const char* kFirefox = "org.mozilla.firefox";
constexpr const char* kMapsScope = "app-gnome-org.gnome.Maps-77.scope";
constexpr const char* kShardScope = "app-flatpak-org.example.Sharded-5.scope";
constexpr const char* kSharded = "org.example.Sharded";
// The host side of resolver 1's veth, where the tests run their own DoH servers (listed in
// DohEndpoints, so that its port 443 counts as a known DoH server).
constexpr const char* kDohHttp1Address = "10.53.1.1";

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}

class DnsEngine : public BusTestSuite<DnsEngine> {
public:
    static std::string unavailableReason() {
        if (auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
            return reason;
        }
        if (auto reason = ResolverNetns::skipReason(); !reason.empty()) {
            return reason;
        }
        for (const char* tool : {"/usr/bin/dig", "/usr/bin/getent"}) {
            if (!fs::exists(tool)) {
                return std::string(tool) + " is missing (bind9-dnsutils, libc-bin)";
            }
        }
        return {};
    }

    static void startSuite(SystemBusHarness& harness) {
        for (int n = 1; n <= 3; ++n) {
            resolvers_.push_back(std::make_unique<ResolverNetns>(n));
        }
        cgroup_ = dns::DnsSteering::cgroupV2Mount() /
                  ("mamori-dns-engine-test-" + std::to_string(::getpid()));
        fs::create_directories(cgroup_);
        writeShippedList(harness.configDir() / "resolvers.conf");
        writeConfig(harness, "all-processes");
        harness.startDaemon();
    }

    // The suite's mamori.conf. The DoH monitor probes every process ("all-processes"), so that
    // short-lived curl runs are seen whole; DohMonitorDefaultScope switches to "true".
    static void writeConfig(const SystemBusHarness& harness, const std::string& dohMonitor) {
        std::ofstream(harness.configDir() / "mamori.conf")
            << "[Engines]\ndns=true\n\n[Dns]\nStubPort=0\nSteeringCgroup=" << cgroup_.string()
            << "\nQueryTimeoutMs=700\nDohMonitor=" << dohMonitor
            << "\nDohEndpoints=" << kDohHttp1Address
            << "\nResolverList=" << (harness.configDir() / "resolvers.conf").string() << "\n";
    }

    static void TearDownTestSuite() {
        BusTestSuite::TearDownTestSuite(); // mamorid goes first: it detaches from the cgroup
        removeCgroups();
        resolvers_.clear();
    }

protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        ASSERT_TRUE(harness_->daemonRunning()) << harness_->daemonLogText();
        for (auto& resolver : resolvers_) {
            resolver->start(); // a test may have killed one
        }
        connection_ = harness_->connect();
        dns_ = sdbus::createProxy(*connection_, std::string(names::kBusName),
                                  std::string(names::kRootPath));
        ASSERT_EQ(call("RestoreShippedResolvers"), "ok");
    }

    static void writeShippedList(const fs::path& file) {
        std::ofstream out(file);
        for (int n = 1; n <= 2; ++n) {
            const auto& r = *resolvers_[n - 1];
            out << "[Resolver r" << n << "]\nName=Resolver " << n << "\nAddress=" << r.address()
                << "\nPort=853\nProtocol=dot\nTlsName=" << r.tlsName() << "\nCaFile=" << r.caFile()
                << "\n\n";
        }
        out << "[Resolver r3]\nName=Plain resolver\nAddress=" << resolvers_[2]->address()
            << "\nPort=53\nProtocol=do53\n\n";
        out << "[Policy]\nDefault=r1\nShard=r1;r2\n";
    }

    static void removeCgroups() {
        std::error_code ignored;
        for (const auto& entry : fs::directory_iterator(cgroup_, ignored)) {
            if (entry.is_directory()) {
                fs::remove(entry.path(), ignored);
            }
        }
        fs::remove(cgroup_, ignored);
    }

    // Runs argv inside the app scope `scope` (created below the steered cgroup): the shell
    // moves itself into the scope, then becomes the program.
    static RunResult runInScope(const std::string& scope, const std::vector<std::string>& argv) {
        const auto dir = cgroup_ / scope;
        fs::create_directories(dir);
        std::vector<std::string> command{"/bin/sh", "-c", R"(echo $$ > "$0" && exec "$@")",
                                         (dir / "cgroup.procs").string()};
        command.insert(command.end(), argv.begin(), argv.end());
        return Subprocess::run({command, {}, {}, {}, {}}, 20.0);
    }

    // Starts argv inside the app scope `scope`, its standard input read from the FIFO `input`
    // (opened for writing by the caller after this returns), its output dropped.
    static std::unique_ptr<Subprocess> startInScope(const std::string& scope,
                                                    const std::vector<std::string>& argv,
                                                    const fs::path& input) {
        const auto dir = cgroup_ / scope;
        fs::create_directories(dir);
        std::vector<std::string> command{
            "/bin/sh", "-c", R"(echo $$ > "$0" && f="$1" && shift && exec "$@" < "$f" > /dev/null)",
            (dir / "cgroup.procs").string(), input.string()};
        command.insert(command.end(), argv.begin(), argv.end());
        return std::make_unique<Subprocess>(Subprocess::Options{command, {}, {}, {}, {}});
    }

    // The address a name resolves to in an app, by way of `client`.
    static std::string resolveIn(const std::string& scope, const std::string& client,
                                 const std::string& name = "x.probe.test") {
        RunResult result;
        if (client == "getaddrinfo") {
            result = runInScope(scope, {"/usr/bin/getent", "ahostsv4", name});
            const auto space = result.out.find(' ');
            return result.exitCode == 0 ? result.out.substr(0, space)
                                        : "failed: " + result.out + result.err;
        }
        // Any server address: the steering takes every port-53 query to the stub anyway.
        std::vector<std::string> argv{"/usr/bin/dig", "@192.0.2.53", name,     "A",
                                      "+short",       "+tries=1",    "+time=3"};
        if (client == "dig+tcp") {
            argv.emplace_back("+tcp");
        }
        result = runInScope(scope, argv);
        return result.exitCode == 0 ? trim(result.out) : "failed: " + result.out + result.err;
    }

    std::string call(const std::string& method, const std::vector<std::string>& args = {},
                     uid_t uid = 0) const {
        auto reply = harness_->callAs(uid, std::string(names::kRootPath),
                                      std::string(names::iface::kDns) + "." + method, args);
        return reply.rfind("ok", 0) == 0 ? "ok" : reply;
    }

    template <typename Value> Value property(const std::string& name) const {
        return dns_->getProperty(name).onInterface(std::string(names::iface::kDns)).get<Value>();
    }

    using AppRow = sdbus::Struct<std::string, std::string, uint64_t, uint64_t>;
    using ExposureRow = sdbus::Struct<std::string, std::string, uint64_t, uint64_t, double>;
    using HealthRow = sdbus::Struct<std::string, bool, uint64_t, uint64_t, uint64_t, uint64_t>;

    uint64_t statusCounter(const std::string& key) const {
        const auto status = property<std::map<std::string, sdbus::Variant>>("Status");
        return status.at(key).get<uint64_t>();
    }

    static inline std::vector<std::unique_ptr<ResolverNetns>> resolvers_;
    static inline fs::path cgroup_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> dns_;
};

TEST_F(DnsEngine, EngineRunsOnTheTestCgroup) {
    const auto status = property<std::map<std::string, sdbus::Variant>>("Status");
    EXPECT_EQ(status.at("state").get<std::string>(), names::dns::kStateRunning)
        << status.at("detail").get<std::string>() << "\n"
        << harness_->daemonLogText();
    EXPECT_NE(status.at("stub_port").get<uint16_t>(), 0);
}

TEST_F(DnsEngine, EachAppGetsTheAnswerOfItsResolverWithEveryKindOfClient) {
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r2'"}), "ok");
    for (const std::string client : {"getaddrinfo", "dig", "dig+tcp"}) {
        EXPECT_EQ(resolveIn(kFirefoxScope, client), resolvers_[1]->expectedA())
            << client << " in Firefox's scope goes to r2\n"
            << harness_->daemonLogText();
        EXPECT_EQ(resolveIn(kMapsScope, client), resolvers_[0]->expectedA())
            << client << " in an unassigned app goes to the default, r1";
    }

    const auto apps = property<std::vector<AppRow>>("Apps");
    const auto firefox = std::find_if(apps.begin(), apps.end(),
                                      [](const AppRow& row) { return row.get<0>() == kFirefox; });
    ASSERT_NE(firefox, apps.end()) << "Apps lists Firefox";
    EXPECT_EQ(firefox->get<1>(), "r2");
    EXPECT_GE(firefox->get<2>(), 3U);
}

TEST_F(DnsEngine, ReassigningOverDbusChangesTheResolverOfTheNextQuery) {
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r2'"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[1]->expectedA());
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r3'"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[2]->expectedA());
    EXPECT_EQ(resolveIn(kFirefoxScope, "getaddrinfo"), resolvers_[2]->expectedA());
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "''"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[0]->expectedA())
        << "without an assignment the default applies again";
    const auto assignments = property<std::map<std::string, std::string>>("Assignments");
    EXPECT_EQ(assignments.count(kFirefox), 0U);
}

TEST_F(DnsEngine, ProcessNameIsTheFallbackOutsideAppScopes) {
    // getent outside any app unit: its process name is the app id. (dig would not do: its
    // queries leave from threads named isc-net-*, and the kernel sees the thread's name.)
    ASSERT_EQ(call("SetAssignment", {"'getent'", "'r3'"}), "ok");
    EXPECT_EQ(resolveIn("not-an-app.scope", "getaddrinfo"), resolvers_[2]->expectedA());
    EXPECT_EQ(resolveIn("not-an-app.scope", "dig"), resolvers_[0]->expectedA())
        << "dig is another process name: the default";
    // The cgroup wins over the name.
    EXPECT_EQ(resolveIn(kMapsScope, "getaddrinfo"), resolvers_[0]->expectedA());
    ASSERT_EQ(call("SetAssignment", {"'getent'", "''"}), "ok");
}

TEST_F(DnsEngine, ShardSplitsRegistrableDomainsAcrossResolversStably) {
    ASSERT_EQ(call("SetAssignment", {quoted(kSharded), "'shard'"}), "ok");
    std::map<std::string, std::string> first;
    std::map<std::string, int> perResolver;
    for (int i = 0; i < 12; ++i) {
        const auto name = "www.site" + std::to_string(i) + ".test";
        first[name] = resolveIn(kShardScope, "dig", name);
        ++perResolver[first[name]];
    }
    EXPECT_EQ(perResolver.size(), 2U) << "12 domains land on both shard resolvers";
    for (const auto& [answer, count] : perResolver) {
        EXPECT_TRUE(answer == resolvers_[0]->expectedA() || answer == resolvers_[1]->expectedA())
            << "only r1 and r2 are in the shard set, got " << answer;
    }
    for (const auto& [name, answer] : first) {
        EXPECT_EQ(resolveIn(kShardScope, "dig", name), answer) << name << " stays on its shard";
        // Another name of the same registrable domain goes to the same resolver.
        const auto sibling = "mail." + name.substr(4);
        EXPECT_EQ(resolveIn(kShardScope, "dig", sibling), answer) << sibling;
    }
}

TEST_F(DnsEngine, NoPlaintextQueryGoesToADotResolver) {
    PacketCapture toR1(resolvers_[0]->hostInterface());
    PacketCapture toR3(resolvers_[2]->hostInterface());
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r1'"}), "ok");
    ASSERT_EQ(call("SetAssignment", {"'org.gnome.Maps'", "'r3'"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[0]->expectedA());
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig+tcp", "www.private.test"), resolvers_[0]->expectedA());
    EXPECT_EQ(resolveIn(kMapsScope, "dig"), resolvers_[2]->expectedA());

    int toDot = 0;
    for (const auto& packet : toR1.drain()) {
        if (packet.destination == resolvers_[0]->address()) {
            EXPECT_NE(packet.destinationPort, 53)
                << "a query in clear towards the DoT resolver (protocol "
                << static_cast<int>(packet.protocol) << ")";
            toDot += packet.destinationPort == 853 ? 1 : 0;
        }
    }
    EXPECT_GT(toDot, 0) << "the queries went to r1 over TLS";
    const auto plain = toR3.drain();
    EXPECT_TRUE(std::any_of(plain.begin(), plain.end(), [&](const PacketCapture::Packet& p) {
        return p.destination == resolvers_[2]->address() && p.destinationPort == 53;
    })) << "the capture does see plain DNS (to r3), so its silence about r1 means something";
    ASSERT_EQ(call("SetAssignment", {"'org.gnome.Maps'", "''"}), "ok");
}

TEST_F(DnsEngine, XdpGuardDropsSpoofedAnswersAndCountsResolverTraffic) {
    const auto status = property<std::map<std::string, sdbus::Variant>>("Status");
    const auto interfaces = status.at("guard_interfaces").get<std::vector<std::string>>();
    ASSERT_NE(std::find(interfaces.begin(), interfaces.end(), resolvers_[0]->hostInterface()),
              interfaces.end())
        << "the guard watches the interface towards r1\n"
        << harness_->daemonLogText();

    // A receiver on the host, and an "answer" from port 53 of an address in r1's namespace
    // that is not a resolver: what an off-path spoofer's packet looks like.
    const auto spoofer = "10.53.1.77";
    const auto ns = resolvers_[0]->netnsName();
    Subprocess::run({{"/usr/sbin/ip", "-n", ns, "addr", "add", std::string(spoofer) + "/24", "dev",
                      resolvers_[0]->peerInterface()},
                     {},
                     {},
                     {},
                     {}});
    const auto before = statusCounter("guard_dropped");
    const auto sent = Subprocess::run(
        {{"/usr/sbin/ip", "netns", "exec", ns, "/usr/bin/dig", "-b", std::string(spoofer) + "#53",
          "@" + std::string("10.53.1.1"), "-p", "9", "spoofed.test", "+tries=1", "+time=1"},
         {},
         {},
         {},
         {}});
    EXPECT_FALSE(contains(sent.out + sent.err, "connection refused"))
        << "the host never saw the datagram, so it did not answer with port unreachable";
    EXPECT_GT(statusCounter("guard_dropped"), before)
        << "spoofed datagram dropped and counted; dig exited " << sent.exitCode << ": " << sent.out
        << sent.err;

    // Real answers from r3 (plain DNS) are counted for it.
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r3'"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[2]->expectedA());
    const auto health = property<std::vector<HealthRow>>("ResolverHealth");
    const auto r3 = std::find_if(health.begin(), health.end(),
                                 [](const HealthRow& row) { return row.get<0>() == "r3"; });
    ASSERT_NE(r3, health.end());
    EXPECT_GT(r3->get<4>(), 0U) << "answer packets from r3 counted by the guard";
    EXPECT_GT(r3->get<5>(), 0U);
}

TEST_F(DnsEngine, FailsOverWhenAResolverDiesAndComesBack) {
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r1'"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[0]->expectedA());
    resolvers_[0]->kill();
    const auto start = Clock::now();
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig", "www.failover.test"), resolvers_[1]->expectedA())
        << "r1 is down: the next resolver of the shard set answers\n"
        << harness_->daemonLogText();
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500))
        << "nothing lost beyond the timeout";
    EXPECT_EQ(resolveIn(kFirefoxScope, "getaddrinfo"), resolvers_[1]->expectedA());

    resolvers_[0]->start();
    std::string answer;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
        answer = resolveIn(kFirefoxScope, "dig");
        if (answer == resolvers_[0]->expectedA()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    EXPECT_EQ(answer, resolvers_[0]->expectedA()) << "r1 is used again once it is back";
    EXPECT_TRUE(contains(harness_->daemonLogText(), "DNS resolver r1 failed"));
}

TEST_F(DnsEngine, AllResolversDownGivesServfail) {
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r1'"}), "ok");
    resolvers_[0]->kill();
    resolvers_[1]->kill();
    const auto before = statusCounter("servfail");
    const auto result = runInScope(
        kFirefoxScope, {"/usr/bin/dig", "@192.0.2.53", "x.probe.test", "+tries=1", "+time=5"});
    EXPECT_TRUE(contains(result.out, "status: SERVFAIL")) << result.out << result.err;
    EXPECT_GT(statusCounter("servfail"), before);
}

TEST_F(DnsEngine, BadArgumentsAreRefusedByNameAndChangeNothing) {
    using ResolverRow = sdbus::Struct<std::string, std::string, std::string, uint16_t, std::string,
                                      std::string, std::string, std::string>;
    const auto before = property<std::vector<ResolverRow>>("Resolvers");
    const auto assignments = property<std::map<std::string, std::string>>("Assignments");

    struct Case {
        std::string method;
        std::vector<std::string> args;
        std::string error;
        std::string mentions;
    };
    const std::vector<Case> cases{
        {"SetAssignment", {quoted(kFirefox), "'nosuch'"}, "Error.NotFound", "nosuch"},
        {"SetAssignment", {"'bad app\\nid'", "'r1'"}, "InvalidArgs", "app"},
        {"SetDefaultTarget", {"'nosuch'"}, "Error.NotFound", "nosuch"},
        {"RemoveResolver", {"'nosuch'"}, "Error.NotFound", "nosuch"},
        {"RemoveResolver", {"'r1'"}, "InvalidArgs", "default"},
        {"SetShardResolvers", {"['r1', 'nosuch']"}, "Error.NotFound", "nosuch"},
        {"AddResolver",
         {"'r9'", "{'address': <'10.53.300.2'>, 'protocol': <'dot'>, 'tls_name': <'a.test'>}"},
         "InvalidArgs",
         "10.53.300.2"},
        {"AddResolver",
         {"'r9'", "{'address': <'10.53.1.2'>, 'protocol': <'dnscrypt'>}"},
         "InvalidArgs",
         "dnscrypt"},
        {"AddResolver",
         {"'r9'", "{'address': <'10.53.1.2'>, 'protocol': <'dot'>}"},
         "InvalidArgs",
         "tls_name"},
        {"AddResolver",
         {"'r9'", "{'address': <'10.53.1.2'>, 'protocol': <'do53'>, 'port': <0>}"},
         "InvalidArgs",
         "port"},
        {"AddResolver",
         {"'r9'", "{'address': <'10.53.1.2'>, 'protocol': <'do53'>, 'color': <'red'>}"},
         "InvalidArgs",
         "color"},
        {"AddResolver",
         {"'r1'", "{'address': <'10.53.1.2'>, 'protocol': <'do53'>}"},
         "InvalidArgs",
         "r1"},
        {"SetExposureThreshold", {"@d -1.0"}, "InvalidArgs", "bits"},
        {"ResetExposure", {"'nosuch'"}, "Error.NotFound", "nosuch"},
    };
    for (const auto& c : cases) {
        const auto reply = call(c.method, c.args);
        EXPECT_TRUE(contains(reply, c.error)) << c.method << ": " << reply;
        EXPECT_TRUE(contains(reply, c.mentions))
            << c.method << " names " << c.mentions << ": " << reply;
    }
    EXPECT_EQ(before, property<std::vector<ResolverRow>>("Resolvers"));
    using StringMap = std::map<std::string, std::string>;
    EXPECT_EQ(assignments, property<StringMap>("Assignments"));
    EXPECT_TRUE(harness_->daemonRunning());

    const auto nobody = call("SetAssignment", {quoted(kFirefox), "'r2'"}, uidOf("nobody"));
    EXPECT_TRUE(contains(nobody, "AccessDenied")) << nobody;
}

TEST_F(DnsEngine, ACertificateThatDoesNotMatchIsLoggedAndTheQueryFailsOver) {
    // r2's server, but expecting another name: the TLS check must fail.
    const auto& r2 = *resolvers_[1];
    ASSERT_EQ(call("AddResolver",
                   {"'wrongname'", "{'address': <'" + r2.address() +
                                       "'>, 'protocol': <'dot'>, 'tls_name': <'impostor.test'>, "
                                       "'ca_file': <'" +
                                       r2.caFile() + "'>}"}),
              "ok");
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'wrongname'"}), "ok");
    const auto answer = resolveIn(kFirefoxScope, "dig", "www.cert.test");
    EXPECT_TRUE(answer == resolvers_[0]->expectedA() || answer == r2.expectedA())
        << "failed over to the shard set: " << answer;
    EXPECT_TRUE(contains(harness_->daemonLogText(), "DNS resolver wrongname failed"))
        << harness_->daemonLogText();
}

TEST_F(DnsEngine, ExposureIsCountedWarnedAboutAndSurvivesARestart) {
    ASSERT_EQ(call("ResetExposure", {"''"}), "ok");
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r3'"}), "ok");
    ASSERT_EQ(call("SetExposureThreshold", {"1.5"}), "ok");

    std::mutex mutex;
    std::vector<std::string> warned;
    auto signals = harness_->connect();
    auto proxy =
        sdbus::createProxy(*signals, std::string(names::kBusName), std::string(names::kRootPath));
    proxy->uponSignal("ExposureWarning")
        .onInterface(std::string(names::iface::kDns))
        .call([&](const std::string& resolver, const std::string& /*source*/, double /*bits*/,
                  uint64_t /*domains*/, double /*threshold*/) {
            const std::lock_guard lock(mutex);
            warned.push_back(resolver);
        });
    proxy->finishRegistration();
    signals->enterEventLoopAsync();

    for (const auto* name :
         {"www.one.test", "mail.one.test", "two.test", "three.test", "www.four.test"}) {
        EXPECT_EQ(resolveIn(kFirefoxScope, "dig", name), resolvers_[2]->expectedA());
    }
    const auto findR3 = [](const std::vector<ExposureRow>& rows) {
        return std::find_if(rows.begin(), rows.end(), [](const ExposureRow& row) {
            return row.get<0>() == "r3" && row.get<1>() == names::dns::kSourceMamori;
        });
    };
    const auto exposure = property<std::vector<ExposureRow>>("Exposure");
    const auto r3 = findR3(exposure);
    ASSERT_NE(r3, exposure.end());
    EXPECT_EQ(r3->get<2>(), 5U) << "queries";
    EXPECT_EQ(r3->get<3>(), 4U) << "one.test, two.test, three.test, four.test";
    EXPECT_NEAR(r3->get<4>(), 1.9219, 0.001) << "entropy of {2,1,1,1} in bits";

    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
        const std::lock_guard lock(mutex);
        if (!warned.empty()) {
            break;
        }
    }
    {
        const std::lock_guard lock(mutex);
        const std::vector<std::string> expected{"r3"};
        EXPECT_EQ(warned, expected) << "one warning, for r3";
    }

    ASSERT_EQ(harness_->stopDaemon(SIGTERM), 0);
    harness_->startDaemon();
    const auto again = property<std::vector<ExposureRow>>("Exposure");
    const auto r3Again = findR3(again);
    ASSERT_NE(r3Again, again.end()) << "exposure survived the restart";
    EXPECT_EQ(r3Again->get<2>(), 5U);
    EXPECT_EQ(r3Again->get<3>(), 4U);
    EXPECT_EQ(property<double>("ExposureThreshold"), 1.5);

    ASSERT_EQ(call("ResetExposure", {"'r3'"}), "ok");
    const auto reset = property<std::vector<ExposureRow>>("Exposure");
    const auto r3Reset = findR3(reset);
    EXPECT_TRUE(r3Reset == reset.end() || r3Reset->get<2>() == 0U);
}

TEST_F(DnsEngine, SwitchingTheEngineOffLetsDnsGoStraightToTheResolver) {
    ASSERT_EQ(harness_
                  ->callAs(0, std::string(names::kRootPath),
                           std::string(names::iface::kManager) + ".SetEngineEnabled",
                           {"'dns'", "false"})
                  .rfind("ok", 0),
              0U);
    // Unsteered, dig asks r2 itself.
    const auto direct = runInScope(kFirefoxScope, {"/usr/bin/dig", "@" + resolvers_[1]->address(),
                                                   "x.probe.test", "+short", "+tries=1"});
    EXPECT_EQ(trim(direct.out), resolvers_[1]->expectedA());
    ASSERT_EQ(harness_
                  ->callAs(0, std::string(names::kRootPath),
                           std::string(names::iface::kManager) + ".SetEngineEnabled",
                           {"'dns'", "true"})
                  .rfind("ok", 0),
              0U);
    ASSERT_EQ(call("SetAssignment", {quoted(kFirefox), "'r3'"}), "ok");
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig"), resolvers_[2]->expectedA()) << "steered again";
}

} // namespace

namespace {

TEST_F(DnsEngine, FirefoxsDohCanaryGetsNxdomain) {
    const auto result = runInScope(
        kFirefoxScope, {"/usr/bin/dig", "@192.0.2.53", "use-application-dns.net", "+tries=1"});
    EXPECT_TRUE(contains(result.out, "status: NXDOMAIN")) << result.out << result.err;
    EXPECT_EQ(resolveIn(kFirefoxScope, "dig", "www.other.test"), resolvers_[0]->expectedA())
        << "other names resolve as before";
}

TEST_F(DnsEngine, ConnectionsToADohServerAreReportedPerApp) {
    using DohRow = sdbus::Struct<std::string, std::string, std::string, uint64_t, uint64_t>;
    // r2's address is a configured resolver, so port 443 there counts as DoH: the trace an
    // app with unreadable TLS leaves. Whether anything answers there does not matter.
    runInScope(kFirefoxScope, {"/usr/bin/curl", "-s", "--max-time", "2", "-k",
                               "https://" + resolvers_[1]->address() + "/"});
    const auto deadline = Clock::now() + std::chrono::seconds(6);
    std::vector<DohRow> rows;
    const auto isFirefoxToR2 = [&](const DohRow& row) {
        return row.get<0>() == kFirefox && row.get<1>() == resolvers_[1]->address() &&
               row.get<2>() == "destination";
    };
    while (Clock::now() < deadline) {
        rows = property<std::vector<DohRow>>("DohApps");
        if (std::any_of(rows.begin(), rows.end(), isFirefoxToR2)) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const auto row = std::find_if(rows.begin(), rows.end(), isFirefoxToR2);
    ASSERT_NE(row, rows.end()) << "DohApps lists Firefox -> r2 seen by destination";
    EXPECT_EQ(row->get<3>(), 0U) << "no questions can be read";
    EXPECT_GE(row->get<4>(), 1U);
    EXPECT_TRUE(contains(harness_->daemonLogText(),
                         "does its own DNS over HTTPS with " + resolvers_[1]->address()));
}

} // namespace

// The DoH monitor: apps doing their own DNS over HTTPS through OpenSSL (curl) and GnuTLS
// (kdig), over HTTP/2 (unbound's DoH) and HTTP/1.1 (doh_http1_server), seen by uprobes in
// their TLS libraries. Clients run in resolver 1's network namespace (no default route there,
// so curl's final connection to the resolved address fails at once) and in an app scope.
namespace {

using DohRow = sdbus::Struct<std::string, std::string, std::string, uint64_t, uint64_t>;
constexpr const char* kBrowserScope = "app-gnome-org.example.Browser-42.scope";
constexpr const char* kBrowser = "org.example.Browser";

class DohMonitor : public DnsEngine {
protected:
    void SetUp() override {
        DnsEngine::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        const auto status = property<std::map<std::string, sdbus::Variant>>("Status");
        const auto state = status.at("doh_monitor").get<std::string>();
        ASSERT_EQ(state, "running") << harness_->daemonLogText();
    }

    static RunResult inResolverNetns(const std::string& scope, std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"/usr/sbin/ip", "netns", "exec", resolvers_[0]->netnsName()});
        return runInScope(scope, argv);
    }

    static RunResult curlDoh(const std::string& scope, const std::string& name,
                             const std::string& dohUrl, const std::string& resolveArg) {
        return inResolverNetns(scope,
                               {"/usr/bin/curl", "-4", "-s", "--connect-timeout", "2", "-m", "8",
                                "--doh-url", dohUrl, "--resolve", resolveArg, "--cacert",
                                resolvers_[0]->caFile(), "https://" + name + ":9/"});
    }

    // Waits until DohApps has the row (app, server, "tls-library") with `questions`.
    std::optional<DohRow> waitForRow(const std::string& app, const std::string& server,
                                     uint64_t questions) const {
        const auto deadline = Clock::now() + std::chrono::seconds(6);
        std::optional<DohRow> found;
        while (Clock::now() < deadline) {
            found.reset();
            for (const auto& row : property<std::vector<DohRow>>("DohApps")) {
                if (row.get<0>() == app && row.get<1>() == server &&
                    row.get<2>() == "tls-library") {
                    found = row;
                }
            }
            if (found && found->get<3>() >= questions) {
                return found;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return found;
    }

    std::string dohApps() const {
        std::string text;
        for (const auto& row : property<std::vector<DohRow>>("DohApps")) {
            text += row.get<0>() + " -> " + row.get<1>() + " (" + row.get<2>() + ", " +
                    std::to_string(row.get<3>()) + " questions)\n";
        }
        return text;
    }
};

// A DNS query for an A record of `name`, as a DoH client sends it (id 0, RD).
std::vector<uint8_t> dnsQuery(const std::string& name) {
    std::vector<uint8_t> query{0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto dot = std::min(name.find('.', start), name.size());
        query.push_back(static_cast<uint8_t>(dot - start));
        query.insert(query.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                     name.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    query.insert(query.end(), {0, 0, 1, 0, 1});
    return query;
}

TEST_F(DohMonitor, CurlOverHttp2IsSeenWithExactlyTheNamesItAsked) {
    ASSERT_EQ(call("ResetExposure", {"''"}), "ok");
    const auto& r1 = *resolvers_[0];
    for (const auto* name : {"www.alpha.test", "www.beta.test", "mail.beta.test"}) {
        const auto result = curlDoh(kBrowserScope, name, r1.dohUrl(), r1.curlResolveArg());
        EXPECT_NE(result.exitCode, 0) << "nothing listens on port 9 of the answer";
    }
    const auto row = waitForRow(kBrowser, r1.tlsName(), 3);
    ASSERT_TRUE(row) << "DohApps:\n" << dohApps() << harness_->daemonLogText();
    EXPECT_EQ(row->get<3>(), 3U) << "one A question per curl run";

    using ExposureRow = sdbus::Struct<std::string, std::string, uint64_t, uint64_t, double>;
    const auto exposure = property<std::vector<ExposureRow>>("Exposure");
    const auto server = std::find_if(exposure.begin(), exposure.end(), [&](const auto& e) {
        return e.template get<0>() == r1.tlsName() &&
               e.template get<1>() == names::dns::kSourceBypassing;
    });
    ASSERT_NE(server, exposure.end()) << "the DoH server's exposure is accounted";
    EXPECT_EQ(server->get<2>(), 3U) << "queries";
    EXPECT_EQ(server->get<3>(), 2U) << "alpha.test and beta.test";
    EXPECT_TRUE(contains(harness_->daemonLogText(), std::string("app ") + kBrowser +
                                                        " does its own DNS over HTTPS with " +
                                                        r1.tlsName()));
}

TEST_F(DohMonitor, CurlOverHttp1IsSeenToo) {
    const auto& r1 = *resolvers_[0];
    DohHttp1ServerProcess server(std::string(kDohHttp1Address) + ":443",
                                 r1.issueCertificate("doh1.test"), r1.address() + ":53");
    const auto result = curlDoh(kBrowserScope, "www.http-one.test", "https://doh1.test/dns-query",
                                std::string("doh1.test:443:") + kDohHttp1Address);
    EXPECT_TRUE(contains(server.log(), "POST /dns-query")) << server.log() << result.err;
    const auto row = waitForRow(kBrowser, "doh1.test", 1);
    ASSERT_TRUE(row) << "DohApps:\n" << dohApps();
    EXPECT_EQ(row->get<3>(), 1U);
}

TEST_F(DohMonitor, AGnuTlsClientIsSeen) {
    const auto& r1 = *resolvers_[0];
    const auto result =
        inResolverNetns("app-gnome-org.example.Kdig-7.scope",
                        {"/usr/bin/kdig", "+https", "@" + r1.address(), "+tls-ca=" + r1.caFile(),
                         "+tls-hostname=" + r1.tlsName(), "www.gamma.test", "A"});
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(contains(result.out, r1.expectedA())) << result.out;
    const auto row = waitForRow("org.example.Kdig", r1.tlsName(), 1);
    ASSERT_TRUE(row) << "DohApps:\n" << dohApps();
    EXPECT_EQ(row->get<3>(), 1U);
}

TEST_F(DohMonitor, PlainHttpsThroughTheSameLibraryLeavesNoDnsRecord) {
    const auto& r1 = *resolvers_[0];
    const auto www = fs::temp_directory_path() / ("mamori-www-" + std::to_string(::getpid()));
    fs::create_directories(www);
    std::ofstream(www / "index.html") << "<html><body>hello</body></html>\n";
    // Port 443 of a known DoH server: the reader is probed, and the decoder finds no DNS.
    DohHttp1ServerProcess server(std::string(kDohHttp1Address) + ":443",
                                 r1.issueCertificate("doh1.test"), r1.address() + ":53",
                                 www.string());
    const auto page = inResolverNetns("app-gnome-org.example.Reader-3.scope",
                                      {"/usr/bin/curl", "-4", "-s", "--resolve",
                                       std::string("doh1.test:443:") + kDohHttp1Address, "--cacert",
                                       r1.caFile(), "https://doh1.test/index.html"});
    fs::remove_all(www);
    EXPECT_TRUE(contains(page.out, "hello")) << page.out << page.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto rows = property<std::vector<DohRow>>("DohApps");
    EXPECT_TRUE(std::none_of(rows.begin(), rows.end(),
                             [](const DohRow& row) {
                                 return row.get<0>() == "org.example.Reader" &&
                                        row.get<2>() == "tls-library";
                             }))
        << "DohApps:\n"
        << dohApps();
}

// The default scope (DohMonitor=true): a long-running client is probed once it connects to
// port 443 of a known DoH server, its DoH requests on that connection are seen from then on,
// and it leaves the probed processes when it exits; a client of an unlisted server is never
// probed.
TEST_F(DohMonitor, DefaultScopeProbesProcessesThatConnectToADohServer) {
    writeConfig(*harness_, "true");
    struct RestoreConfig {
        ~RestoreConfig() {
            writeConfig(*harness_, "all-processes");
            harness_->callAs(0, std::string(names::kRootPath),
                             std::string(names::iface::kManager) + ".Reload", {});
        }
    } restore;
    ASSERT_EQ(harness_
                  ->callAs(0, std::string(names::kRootPath),
                           std::string(names::iface::kManager) + ".Reload", {})
                  .rfind("ok", 0),
              0U);
    using Status = std::map<std::string, sdbus::Variant>;
    ASSERT_EQ(property<Status>("Status").at("doh_monitor").get<std::string>(), "running");
    const auto probed = [this] {
        return property<Status>("Status").at("doh_probed_processes").get<uint32_t>();
    };
    const auto& r1 = *resolvers_[0];
    DohHttp1ServerProcess server(std::string(kDohHttp1Address) + ":443",
                                 r1.issueCertificate("doh1.test"), r1.address() + ":53");
    // A process that keeps its DoH connection open, like a browser: it writes what the test
    // hands it, once it is probed.
    const fs::path input =
        fs::temp_directory_path() / ("mamori-doh-in-" + std::to_string(::getpid()));
    fs::remove(input);
    ASSERT_EQ(::mkfifo(input.c_str(), 0600), 0);
    auto client =
        startInScope("app-gnome-org.example.Daemon-9.scope",
                     {"/usr/sbin/ip", "netns", "exec", r1.netnsName(), "/usr/bin/openssl",
                      "s_client", "-quiet", "-connect", std::string(kDohHttp1Address) + ":443",
                      "-servername", "doh1.test", "-CAfile", r1.caFile()},
                     input);
    const UniqueFd toClient(::open(input.c_str(), O_WRONLY | O_CLOEXEC));
    fs::remove(input);
    ASSERT_TRUE(toClient);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (probed() == 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(probed(), 1U) << harness_->daemonLogText();
    const auto cliStatus = harness_->mamorictl({"dns", "status"});
    EXPECT_TRUE(contains(cliStatus.out, "DoH monitor       running; 1 probed process\n"))
        << cliStatus.out << cliStatus.err;

    const std::vector<uint8_t> query = dnsQuery("www.delta.test");
    const std::string request = "GET /dns-query?dns=" + dns::base64url::encode(query) +
                                " HTTP/1.1\r\nHost: doh1.test\r\n"
                                "Accept: application/dns-message\r\n\r\n";
    ASSERT_EQ(::write(toClient.get(), request.data(), request.size()),
              static_cast<ssize_t>(request.size()));
    const auto row = waitForRow("org.example.Daemon", "doh1.test", 1);
    ASSERT_TRUE(row) << "DohApps:\n" << dohApps() << server.log();
    EXPECT_EQ(row->get<3>(), 1U);

    client->signal(SIGKILL);
    client->wait();
    const auto exitDeadline = Clock::now() + std::chrono::seconds(5);
    while (probed() != 0 && Clock::now() < exitDeadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(probed(), 0U) << "an exited client is no longer probed";

    // curl keeps its HTTP/2 DoH connection for the transfers that follow, a third of a second
    // apart: the probes arrive while that connection is open (its header compression state
    // missed), and the requests after that are read from their bodies. The server is named by
    // the address curl connected to when the TLS server name went by before the probes.
    const std::vector<std::string> names{"www.one.test", "www.two.test", "www.three.test",
                                         "www.four.test"};
    std::vector<std::string> argv{"/usr/bin/curl",
                                  "-4",
                                  "-s",
                                  "--connect-timeout",
                                  "2",
                                  "-m",
                                  "8",
                                  "--rate",
                                  "3/s",
                                  "--doh-url",
                                  r1.dohUrl(),
                                  "--resolve",
                                  r1.curlResolveArg(),
                                  "--cacert",
                                  r1.caFile()};
    for (const auto& name : names) {
        argv.push_back("https://" + name + ":9/");
    }
    inResolverNetns("app-gnome-org.example.Feeds-4.scope", argv);
    const auto feedsRow = [this]() -> std::optional<DohRow> {
        for (const auto& row : property<std::vector<DohRow>>("DohApps")) {
            if (row.get<0>() == "org.example.Feeds" && row.get<2>() == "tls-library") {
                return row;
            }
        }
        return std::nullopt;
    };
    const auto feedsDeadline = Clock::now() + std::chrono::seconds(5);
    while ((!feedsRow() || feedsRow()->get<3>() < 3) && Clock::now() < feedsDeadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto feeds = feedsRow();
    ASSERT_TRUE(feeds) << "DohApps:\n" << dohApps() << harness_->daemonLogText();
    EXPECT_GE(feeds->get<3>(), 3U) << "every request after the first";
    EXPECT_LE(feeds->get<3>(), 4U);
    EXPECT_TRUE(feeds->get<1>() == r1.tlsName() || feeds->get<1>() == r1.address())
        << feeds->get<1>();

    // DoH to a server nobody listed, on another port, goes unseen in this scope (it is what
    // DohMonitor=all-processes is for).
    DohHttp1ServerProcess unlisted(std::string(kDohHttp1Address) + ":8443",
                                   r1.issueCertificate("doh1.test"), r1.address() + ":53");
    const auto result = curlDoh("app-gnome-org.example.Unlisted-5.scope", "www.unlisted.test",
                                "https://doh1.test:8443/dns-query",
                                std::string("doh1.test:8443:") + kDohHttp1Address);
    ASSERT_TRUE(contains(unlisted.log(), "POST /dns-query")) << unlisted.log() << result.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto rows = property<std::vector<DohRow>>("DohApps");
    EXPECT_TRUE(
        std::none_of(rows.begin(), rows.end(),
                     [](const DohRow& row) { return row.get<0>() == "org.example.Unlisted"; }))
        << "DohApps:\n"
        << dohApps();
}

} // namespace
