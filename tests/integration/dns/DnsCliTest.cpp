// `mamorictl dns ...` as users run it: mamorid on a private system bus with the real polkitd,
// started from a resolver list of the test's own, everything read back through mamorictl's own
// output (text and --json). The DNS engine stays off: settings can be changed while it is, and
// nothing here needs the kernel to steer queries.
#include "../BusTestSuite.h"
#include "../SystemBusHarness.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mamori;
using namespace mamori::test;

namespace {

namespace fs = std::filesystem;

constexpr const char* kPerl = "/usr/bin/perl";
constexpr const char* kFirefox = "org.mozilla.firefox";

// Three resolvers of documentation addresses (never contacted: the engine is off), one of them
// IPv6 over DoT so that the table's [address]:port and TLS name columns are exercised.
constexpr const char* kResolverList = "[Resolver r1]\n"
                                      "Name=First resolver\n"
                                      "Address=192.0.2.1\n"
                                      "Port=53\n"
                                      "Protocol=do53\n"
                                      "\n"
                                      "[Resolver r2]\n"
                                      "Name=Second resolver\n"
                                      "Address=2001:db8::2\n"
                                      "Port=853\n"
                                      "Protocol=dot\n"
                                      "TlsName=dns.example.net\n"
                                      "\n"
                                      "[Resolver r3]\n"
                                      "Name=Third resolver\n"
                                      "Address=198.51.100.3\n"
                                      "Port=53\n"
                                      "Protocol=do53\n"
                                      "\n"
                                      "[Policy]\n"
                                      "Default=r1\n"
                                      "Shard=r1;r2\n";

const std::set<std::string> kShippedIds{"r1", "r2", "r3"};

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// Prints every leaf of a JSON document as "path=value" ("/0/id=r1", "/assignments/x=r2"; empty
// containers as "path={}" or "path=[]"). JSON::PP is a core Perl module, present wherever the
// build tools are, and a real parser: output that is not JSON makes it fail.
constexpr const char* kFlattenJson = R"perl(
use strict; use JSON::PP;
local $/; open(my $in, '<', $ARGV[0]) or die "$ARGV[0]: $!";
my $doc = JSON::PP->new->decode(<$in>);
sub walk {
    my ($path, $v) = @_;
    if (ref $v eq 'HASH') {
        print "$path={}\n" unless %$v;
        walk("$path/$_", $v->{$_}) for sort keys %$v;
    } elsif (ref $v eq 'ARRAY') {
        print "$path=[]\n" unless @$v;
        walk("$path/$_", $v->[$_]) for 0 .. $#$v;
    } elsif (JSON::PP::is_bool($v)) {
        print "$path=", ($v ? "true" : "false"), "\n";
    } else {
        print "$path=", (defined $v ? $v : "null"), "\n";
    }
}
walk("", $doc);
)perl";

using Flat = std::map<std::string, std::string>;

// The values at "/N/<field>" of a flattened top-level array (or "<prefix>/N" for a plain one).
std::set<std::string> column(const Flat& flat, const std::string& prefix,
                             const std::string& field = "") {
    std::set<std::string> out;
    for (const auto& [path, value] : flat) {
        if (!path.starts_with(prefix + "/")) {
            continue;
        }
        const std::string rest = path.substr(prefix.size() + 1);
        const auto slash = rest.find('/');
        const bool isField = slash != std::string::npos && rest.substr(slash + 1) == field;
        if ((field.empty() && slash == std::string::npos) || isField) {
            out.insert(value);
        }
    }
    return out;
}

// The flattened fields of the array element whose `key` is `value`, by field name.
Flat element(const Flat& flat, const std::string& key, const std::string& value) {
    for (const auto& [path, v] : flat) {
        const auto slash = path.find('/', 1);
        if (slash == std::string::npos || path.substr(slash + 1) != key || v != value) {
            continue;
        }
        const std::string prefix = path.substr(0, slash + 1);
        Flat out;
        for (const auto& [p, fieldValue] : flat) {
            if (p.starts_with(prefix)) {
                out[p.substr(prefix.size())] = fieldValue;
            }
        }
        return out;
    }
    return {};
}

class DnsCli : public BusTestSuite<DnsCli> {
public:
    static std::string unavailableReason() {
        if (auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
            return reason;
        }
        if (access(kPerl, X_OK) != 0) {
            return std::string(kPerl) + " is missing (perl, with the build tools)";
        }
        return {};
    }

    static void startSuite(SystemBusHarness& harness) {
        const fs::path list = harness.configDir() / "resolvers.conf";
        std::ofstream(list) << kResolverList;
        std::ofstream(harness.configDir() / "mamori.conf")
            << "[Dns]\nResolverList=" << list.string() << "\n";
        harness.startDaemon();
    }

protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        ASSERT_TRUE(harness_->daemonRunning()) << harness_->daemonLogText();
        // Each test starts from the file's list, whatever the one before changed.
        const auto restore = harness_->mamorictl({"dns", "restore-defaults"});
        ASSERT_EQ(restore.exitCode, 0) << restore.err << harness_->daemonLogText();
    }

    // mamorictl's --json output of `args`, parsed and flattened (see kFlattenJson).
    Flat json(std::vector<std::string> args, std::optional<uid_t> uid = {}) {
        args.insert(args.begin(), "--json");
        const auto result = harness_->mamorictl(args, uid);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        const fs::path script = harness_->configDir() / "flatten.pl";
        const fs::path output = harness_->configDir() / "output.json";
        std::ofstream(script) << kFlattenJson;
        std::ofstream(output) << result.out;
        const auto parsed = harness_->run({kPerl, script.string(), output.string()});
        EXPECT_EQ(parsed.exitCode, 0) << "not JSON: " << result.out << "\n" << parsed.err;
        Flat flat;
        std::istringstream lines(parsed.out);
        for (std::string line; std::getline(lines, line);) {
            const auto equals = line.find('=');
            flat[line.substr(0, equals)] = line.substr(equals + 1);
        }
        return flat;
    }

    std::set<std::string> resolverIds() { return column(json({"dns", "resolvers"}), "", "id"); }

    Flat status() { return json({"dns", "status"}); }

    RunResult cli(const std::vector<std::string>& args, std::optional<uid_t> uid = {}) {
        return harness_->mamorictl(args, uid);
    }
};

TEST_F(DnsCli, ResolversListsTheResolverListForAnyone) {
    const auto table = cli({"dns", "resolvers"}, uidOf("nobody"));
    EXPECT_EQ(table.exitCode, 0) << table.err;
    for (const char* part : {"r1", "First resolver", "192.0.2.1:53", "do53", "r2",
                             "[2001:db8::2]:853", "dot", "dns.example.net", "r3"}) {
        EXPECT_TRUE(contains(table.out, part)) << part << " missing from:\n" << table.out;
    }
    EXPECT_FALSE(contains(table.out, "HEALTH")) << "health is only known while the engine runs";

    const Flat flat = json({"dns", "resolvers"}, uidOf("nobody"));
    EXPECT_EQ(column(flat, "", "id"), kShippedIds);
    const Flat r2 = element(flat, "id", "r2");
    EXPECT_EQ(r2.count("name") ? r2.at("name") : "", "Second resolver");
    EXPECT_EQ(r2.count("address") ? r2.at("address") : "", "2001:db8::2");
    EXPECT_EQ(r2.count("port") ? r2.at("port") : "", "853");
    EXPECT_EQ(r2.count("protocol") ? r2.at("protocol") : "", "dot");
    EXPECT_EQ(r2.count("tls_name") ? r2.at("tls_name") : "", "dns.example.net");
}

TEST_F(DnsCli, AnAddedResolverIsListedUntilRemoved) {
    const auto added = cli({"dns", "add", "r4", "--address", "203.0.113.4", "--protocol", "dot",
                            "--tls-name", "dns.example.org", "--name", "Fourth resolver"});
    EXPECT_EQ(added.exitCode, 0) << added.err;
    EXPECT_TRUE(contains(added.out, "r4")) << added.out;
    const Flat r4 = element(json({"dns", "resolvers"}), "id", "r4");
    ASSERT_FALSE(r4.empty()) << "r4 is not listed";
    EXPECT_EQ(r4.at("address"), "203.0.113.4");
    EXPECT_EQ(r4.at("port"), "853") << "DoT's port when none is given";
    EXPECT_EQ(r4.at("tls_name"), "dns.example.org");
    EXPECT_EQ(r4.at("name"), "Fourth resolver");
    EXPECT_TRUE(contains(cli({"dns", "resolvers"}).out, "Fourth resolver"));

    const auto plain = cli(
        {"dns", "add", "r5", "--address", "2001:db8::5", "--protocol", "do53", "--port", "5353"});
    EXPECT_EQ(plain.exitCode, 0) << plain.err;
    EXPECT_EQ(element(json({"dns", "resolvers"}), "id", "r5")["port"], "5353");

    EXPECT_EQ(cli({"dns", "remove", "r4"}).exitCode, 0);
    EXPECT_EQ(cli({"dns", "remove", "r5"}).exitCode, 0);
    EXPECT_EQ(resolverIds(), kShippedIds);
}

TEST_F(DnsCli, AssignmentsDefaultAndShardShowInStatus) {
    const auto assigned = cli({"dns", "assign", kFirefox, "r2"});
    EXPECT_EQ(assigned.exitCode, 0) << assigned.err;
    const auto text = cli({"dns", "status"});
    EXPECT_EQ(text.exitCode, 0) << text.err;
    EXPECT_TRUE(contains(text.out, kFirefox)) << text.out;
    EXPECT_EQ(status()["/assignments/" + std::string(kFirefox)], "r2");

    const auto unassigned = cli({"dns", "unassign", kFirefox});
    EXPECT_EQ(unassigned.exitCode, 0) << unassigned.err;
    EXPECT_EQ(status()["/assignments"], "{}");
    EXPECT_FALSE(contains(cli({"dns", "status"}).out, kFirefox));

    EXPECT_EQ(status()["/default_target"], "r1");
    EXPECT_EQ(cli({"dns", "default", "shard"}).exitCode, 0);
    EXPECT_EQ(status()["/default_target"], "shard");

    EXPECT_EQ(column(status(), "/shard_resolvers"), (std::set<std::string>{"r1", "r2"}));
    EXPECT_EQ(cli({"dns", "shard", "r2", "r3"}).exitCode, 0);
    EXPECT_EQ(column(status(), "/shard_resolvers"), (std::set<std::string>{"r2", "r3"}));
    const auto all = cli({"dns", "shard"});
    EXPECT_EQ(all.exitCode, 0) << all.err;
    EXPECT_EQ(column(status(), "/shard_resolvers"), kShippedIds) << "no ids: every resolver";
}

TEST_F(DnsCli, BadInputIsRefusedWithAMessageNamingTheProblem) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"dns", "assign", "app", "nosuch"}, "nosuch"},
        {{"dns", "add", "x", "--address", "10.0.0.300", "--protocol", "do53"}, "'10.0.0.300'"},
        {{"dns", "add", "x", "--address", "192.0.2.9", "--protocol", "dnscrypt"}, "'dnscrypt'"},
        {{"dns", "add", "x", "--protocol", "do53"}, "needs --address"},
        {{"dns", "add", "x", "--address", "192.0.2.9", "--protocol", "dot"}, "tls_name"},
        {{"dns", "add", "r1", "--address", "192.0.2.9", "--protocol", "do53"}, "r1"},
        {{"dns", "threshold", "-1"}, "'-1'"},
        {{"dns", "threshold", "abc"}, "'abc'"},
        {{"dns", "default", "nosuch"}, "nosuch"},
        {{"dns", "shard", "r1", "nosuch"}, "nosuch"},
        {{"dns", "reset-exposure", "nosuch"}, "nosuch"},
        {{"dns", "frobnicate"}, "frobnicate"},
    };
    const std::string thresholdBefore = status()["/exposure_threshold_bits"];
    for (const auto& [args, named] : cases) {
        const auto result = cli(args);
        EXPECT_NE(result.exitCode, 0) << args[1] << " " << named;
        EXPECT_TRUE(contains(result.err, named))
            << "'" << named << "' not named in: " << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
    }
    EXPECT_EQ(cli({"dns", "threshold", "abc"}).exitCode, 2) << "a usage error";

    // r1 is the default target: removing it is refused, naming it.
    const auto inUse = cli({"dns", "remove", "r1"});
    EXPECT_NE(inUse.exitCode, 0);
    EXPECT_TRUE(contains(inUse.err, "r1")) << inUse.err;

    const Flat after = status();
    EXPECT_EQ(resolverIds(), kShippedIds) << "a refused change changed the resolvers";
    EXPECT_EQ(after.at("/assignments"), "{}");
    EXPECT_EQ(after.at("/default_target"), "r1");
    EXPECT_EQ(after.at("/exposure_threshold_bits"), thresholdBefore);
    EXPECT_TRUE(harness_->daemonRunning());
}

TEST_F(DnsCli, OthersMayReadButNotChange) {
    const uid_t nobody = uidOf("nobody");
    const std::vector<std::vector<std::string>> changes{
        {"dns", "assign", kFirefox, "r2"},
        {"dns", "add", "r4", "--address", "203.0.113.4", "--protocol", "do53"},
        {"dns", "remove", "r3"},
        {"dns", "default", "r2"},
        {"dns", "threshold", "3"},
        {"dns", "restore-defaults"},
    };
    for (const auto& args : changes) {
        const auto denied = cli(args, nobody);
        EXPECT_EQ(denied.exitCode, 4) << args[1] << ": " << denied.err;
        EXPECT_TRUE(contains(denied.err, "not authorized")) << denied.err;
    }
    const Flat after = json({"dns", "status"}, nobody);
    EXPECT_EQ(after.at("/assignments"), "{}");
    EXPECT_EQ(after.at("/default_target"), "r1");
    EXPECT_NE(std::stod(after.at("/exposure_threshold_bits")), 3.0);
    EXPECT_EQ(column(json({"dns", "resolvers"}, nobody), "", "id"), kShippedIds);
    EXPECT_EQ(cli({"dns", "resolvers"}, nobody).exitCode, 0);
    EXPECT_EQ(cli({"dns", "exposure"}, nobody).exitCode, 0);
    EXPECT_EQ(cli({"dns", "apps"}, nobody).exitCode, 0);
}

TEST_F(DnsCli, StatusSaysTheEngineIsStopped) {
    const auto text = cli({"dns", "status"});
    EXPECT_EQ(text.exitCode, 0) << text.err;
    EXPECT_TRUE(contains(text.out, "stopped")) << text.out;
    EXPECT_EQ(status()["/state"], "stopped");
    EXPECT_EQ(cli({"dns"}).out, text.out) << "'dns' alone is 'dns status'";
    const auto doh = cli({"dns", "doh"});
    EXPECT_EQ(doh.exitCode, 0) << doh.err;
    EXPECT_TRUE(contains(doh.out, "No app was seen doing its own DNS over HTTPS")) << doh.out;
    EXPECT_EQ(cli({"--json", "dns", "doh"}).out, "[]\n");
}

TEST_F(DnsCli, RestoreDefaultsBringsBackTheResolverList) {
    ASSERT_EQ(cli({"dns", "add", "r4", "--address", "203.0.113.4", "--protocol", "do53"}).exitCode,
              0);
    ASSERT_EQ(cli({"dns", "assign", kFirefox, "r4"}).exitCode, 0);
    ASSERT_EQ(cli({"dns", "default", "shard"}).exitCode, 0);
    ASSERT_EQ(cli({"dns", "shard", "r3", "r4"}).exitCode, 0);
    ASSERT_EQ(cli({"dns", "remove", "r1"}).exitCode, 0);
    ASSERT_NE(resolverIds(), kShippedIds);

    const auto restored = cli({"dns", "restore-defaults"});
    EXPECT_EQ(restored.exitCode, 0) << restored.err;
    EXPECT_EQ(resolverIds(), kShippedIds);
    const Flat after = status();
    EXPECT_EQ(after.at("/default_target"), "r1");
    EXPECT_EQ(after.at("/assignments"), "{}");
    EXPECT_EQ(column(after, "/shard_resolvers"), (std::set<std::string>{"r1", "r2"}));
}

TEST_F(DnsCli, ThresholdAndExposureAreReadAndSet) {
    const std::string before = json({"dns", "threshold"})["/threshold_bits"];
    const auto set = cli({"dns", "threshold", "12.5"});
    EXPECT_EQ(set.exitCode, 0) << set.err;
    EXPECT_EQ(std::stod(json({"dns", "threshold"})["/threshold_bits"]), 12.5);
    EXPECT_EQ(std::stod(json({"dns", "exposure"})["/threshold_bits"]), 12.5);
    EXPECT_TRUE(contains(cli({"dns", "exposure"}).out, "12.50")) << cli({"dns", "exposure"}).out;
    EXPECT_EQ(cli({"dns", "threshold", "0"}).exitCode, 0);
    EXPECT_TRUE(contains(cli({"dns", "threshold"}).out, "never"));

    // Nothing was ever resolved here, so nothing has been learned and nothing queried.
    EXPECT_EQ(json({"dns", "exposure"})["/exposure"], "[]");
    EXPECT_EQ(json({"dns", "exposure", "--apps"})["/app_exposure"], "[]");
    EXPECT_EQ(json({"dns", "apps"})[""], "[]");
    EXPECT_EQ(cli({"dns", "reset-exposure", "r2"}).exitCode, 0);
    EXPECT_EQ(cli({"dns", "reset-exposure"}).exitCode, 0);
    EXPECT_EQ(cli({"dns", "threshold", before}).exitCode, 0); // restore-defaults keeps it
}

TEST_F(DnsCli, WatchRunsUntilInterrupted) {
    // No query is resolved here, so no warning comes; what is checked is that watch subscribes,
    // keeps running and ends cleanly on SIGINT.
    Subprocess watch({{MAMORICTL_PATH, "--json", "dns", "watch"},
                      {{"DBUS_SYSTEM_BUS_ADDRESS", harness_->address()}},
                      {},
                      {},
                      {}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_TRUE(watch.running());
    watch.signal(SIGINT);
    EXPECT_EQ(watch.wait(5.0), 0);
}

} // namespace
