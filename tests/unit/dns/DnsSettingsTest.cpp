// DnsSettings: what the user can set over D-Bus and what survives a restart. Bad input is refused
// with a message naming the field and the value, and a refused change leaves everything as it
// was; the state file and the shipped list load back what was saved, or fail naming file:line.
#include "dns/DnsSettings.h"

#include "TempDir.h"
#include "common/Errors.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace mamori::dns {
namespace {

namespace fs = std::filesystem;

ResolverConfig dot(std::string id, std::string address, std::string tlsName) {
    ResolverConfig config;
    config.endpoint.id = std::move(id);
    config.endpoint.address = std::move(address);
    config.endpoint.port = 853;
    config.endpoint.protocol = Protocol::DoT;
    config.endpoint.tlsName = std::move(tlsName);
    config.displayName = "A resolver";
    return config;
}

ResolverConfig plain(std::string id, std::string address) {
    ResolverConfig config;
    config.endpoint.id = std::move(id);
    config.endpoint.address = std::move(address);
    config.endpoint.port = 53;
    config.endpoint.protocol = Protocol::Do53;
    return config;
}

// The SHA-256 of nothing, base64: a well-formed pin.
constexpr const char* kPin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

// Runs `action`, which must throw MamoriError with `code`; returns its message.
std::string errorOf(const std::function<void()>& action, ErrorCode code) {
    try {
        action();
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no MamoriError thrown";
    return {};
}

// Three resolvers, firefox on mullvad, curl on shard over an explicit set of two.
DnsSettings sample() {
    DnsSettings settings({dot("quad9", "9.9.9.9", "dns.quad9.net"),
                          dot("mullvad", "194.242.2.2", "dns.mullvad.net"),
                          plain("lan", "192.168.1.1")},
                         "quad9");
    settings.setAssignment("org.mozilla.firefox", "mullvad");
    settings.setAssignment("curl", "shard");
    settings.setShardResolvers({"quad9", "mullvad"});
    settings.setExposureThresholdBits(9.5);
    return settings;
}

} // namespace

// gtest finds it by the type's namespace: shows the settings as they would be saved.
void PrintTo(const DnsSettings& settings, std::ostream* os) {
    *os << "\n" << settings.serialize();
}

namespace {

// ---- one bad field at a time ----

struct BadResolver {
    const char* what;
    std::function<void(ResolverConfig&)> spoil;
    const char* field;
    const char* value; // what the message must quote
};

void PrintTo(const BadResolver& c, std::ostream* os) {
    *os << c.what;
}

class BadResolverTest : public testing::TestWithParam<BadResolver> {};

TEST_P(BadResolverTest, IsRefusedNamingTheFieldAndValue) {
    ResolverConfig config = dot("example", "192.0.2.1", "dns.example.net");
    GetParam().spoil(config);
    const std::string message = errorOf([&] { validateResolver(config); }, ErrorCode::InvalidArgs);
    EXPECT_EQ(message.rfind(std::string(GetParam().field) + ": ", 0), 0U) << message;
    EXPECT_NE(message.find(GetParam().value), std::string::npos) << message;

    DnsSettings settings = sample();
    const DnsSettings before = settings;
    errorOf([&] { settings.addResolver(config); }, ErrorCode::InvalidArgs);
    EXPECT_EQ(settings, before);
}

INSTANTIATE_TEST_SUITE_P(
    DnsSettings, BadResolverTest,
    testing::Values(
        BadResolver{"uppercase id", [](auto& c) { c.endpoint.id = "Quad9"; }, "id", "'Quad9'"},
        BadResolver{"empty id", [](auto& c) { c.endpoint.id = ""; }, "id", "''"},
        BadResolver{"id starting with a dash", [](auto& c) { c.endpoint.id = "-x"; }, "id", "'-x'"},
        BadResolver{"id of 33 characters", [](auto& c) { c.endpoint.id = std::string(33, 'a'); },
                    "id", "aaaa"},
        BadResolver{"reserved id", [](auto& c) { c.endpoint.id = "shard"; }, "id", "'shard'"},
        BadResolver{"host name as address", [](auto& c) { c.endpoint.address = "dns.quad9.net"; },
                    "address", "'dns.quad9.net'"},
        BadResolver{"short IPv4", [](auto& c) { c.endpoint.address = "9.9.9"; }, "address",
                    "'9.9.9'"},
        BadResolver{"IPv6 with a zone", [](auto& c) { c.endpoint.address = "fe80::1%eth0"; },
                    "address", "'fe80::1%eth0'"},
        BadResolver{"address with a NUL",
                    [](auto& c) { c.endpoint.address = std::string("9.9.9.9\0x", 9); }, "address",
                    "9.9.9.9\\x00x"},
        BadResolver{"empty address", [](auto& c) { c.endpoint.address = ""; }, "address", "''"},
        BadResolver{"port 0", [](auto& c) { c.endpoint.port = 0; }, "port", "0"},
        BadResolver{"DoT without TLS name", [](auto& c) { c.endpoint.tlsName = ""; }, "tls_name",
                    "DoT"},
        BadResolver{"TLS name with a space", [](auto& c) { c.endpoint.tlsName = "dns quad9.net"; },
                    "tls_name", "'dns quad9.net'"},
        BadResolver{"TLS name with an empty label",
                    [](auto& c) { c.endpoint.tlsName = "dns..quad9.net"; }, "tls_name",
                    "'dns..quad9.net'"},
        BadResolver{"TLS name that is an IP address",
                    [](auto& c) { c.endpoint.tlsName = "1.1.1.1"; }, "tls_name", "'1.1.1.1'"},
        BadResolver{"TLS name with a label ending in a dash",
                    [](auto& c) { c.endpoint.tlsName = "dns-.example"; }, "tls_name",
                    "'dns-.example'"},
        BadResolver{"pin that is not base64", [](auto& c) { c.endpoint.spkiPin = "not a pin"; },
                    "pin", "'not a pin'"},
        BadResolver{
            "pin of 31 bytes",
            [](auto& c) { c.endpoint.spkiPin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA=="; },
            "pin", "47DEQ"},
        BadResolver{"pin in hex", [](auto& c) { c.endpoint.spkiPin = std::string(64, 'e'); }, "pin",
                    "eeee"},
        BadResolver{
            "pin with non-zero padding bits",
            [](auto& c) { c.endpoint.spkiPin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="; },
            "pin", "uFV="},
        BadResolver{"relative CA file", [](auto& c) { c.endpoint.caFile = "ca.pem"; }, "ca_file",
                    "'ca.pem'"},
        BadResolver{"missing CA file",
                    [](auto& c) { c.endpoint.caFile = "/nonexistent/mamori/ca.pem"; }, "ca_file",
                    "'/nonexistent/mamori/ca.pem'"},
        BadResolver{"CA file that is a directory", [](auto& c) { c.endpoint.caFile = "/"; },
                    "ca_file", "'/'"},
        BadResolver{"CA file with a newline",
                    [](auto& c) { c.endpoint.caFile = "/etc/ssl/ca.pem\nPin=x"; }, "ca_file",
                    "\\x0a"},
        BadResolver{"Do53 with a TLS name", [](auto& c) { c.endpoint.protocol = Protocol::Do53; },
                    "tls_name", "'dns.example.net'"},
        BadResolver{"Do53 with a pin",
                    [](auto& c) {
                        c.endpoint.protocol = Protocol::Do53;
                        c.endpoint.tlsName.clear();
                        c.endpoint.spkiPin = kPin;
                    },
                    "pin", kPin},
        BadResolver{"Do53 with a CA file",
                    [](auto& c) {
                        c.endpoint.protocol = Protocol::Do53;
                        c.endpoint.tlsName.clear();
                        c.endpoint.caFile = "/proc/self/status";
                    },
                    "ca_file", "'/proc/self/status'"},
        BadResolver{"display name of 65 characters",
                    [](auto& c) { c.displayName = std::string(65, 'n'); }, "name", "nnnn"},
        BadResolver{"display name with a bell", [](auto& c) { c.displayName = "ding\a"; }, "name",
                    "'ding\\x07'"},
        BadResolver{"display name with a C1 control",
                    [](auto& c) { c.displayName = "csi\xc2\x9b"; }, "name", "csi"},
        BadResolver{"display name that is not UTF-8", [](auto& c) { c.displayName = "caf\xe9"; },
                    "name", "'caf\\xe9'"},
        BadResolver{"display name with an overlong slash",
                    [](auto& c) { c.displayName = "a\xc0\xaf"; }, "name", "'a\\xc0\\xaf'"},
        BadResolver{"display name with a leading blank", [](auto& c) { c.displayName = " Q"; },
                    "name", "' Q'"}),
    [](const testing::TestParamInfo<BadResolver>& info) {
        std::string name = info.param.what;
        std::replace_if(
            name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
        return name;
    });

TEST(DnsSettings, AcceptsWellFormedResolvers) {
    TempDir dir;
    const fs::path ca = dir.path() / "ca.pem";
    std::ofstream(ca) << "not parsed here\n";

    ResolverConfig pinned = dot("a.b_c-9", "2620:fe::fe", "dns.quad9.net");
    pinned.endpoint.spkiPin = kPin;
    pinned.endpoint.caFile = ca.string();
    pinned.displayName = std::string(64, 'x');
    EXPECT_NO_THROW(validateResolver(pinned));

    ResolverConfig wide = plain("lan", "::ffff:192.0.2.1");
    wide.displayName.clear();
    for (int i = 0; i < 64; ++i) {
        wide.displayName += "é"; // 64 characters in 128 bytes: counted in characters
    }
    EXPECT_NO_THROW(validateResolver(wide));
    EXPECT_NO_THROW(validateResolver(plain(std::string(32, '0'), "127.0.0.1")));
}

// ---- names ----

TEST(DnsSettings, ParsesProtocolNamesInAnyCase) {
    EXPECT_EQ(parseProtocol("do53"), Protocol::Do53);
    EXPECT_EQ(parseProtocol("DoT"), Protocol::DoT);
    EXPECT_EQ(parseProtocol("DO53"), Protocol::Do53);
    for (const Protocol p : {Protocol::Do53, Protocol::DoT}) {
        EXPECT_EQ(parseProtocol(protocolName(p)), p);
    }
    EXPECT_EQ(parseProtocol("tls"), std::nullopt);
    EXPECT_EQ(parseProtocol(""), std::nullopt);
    EXPECT_EQ(parseProtocol("dot "), std::nullopt);
    const std::string doh = errorOf([] { parseProtocol("DoH"); }, ErrorCode::Unsupported);
    EXPECT_NE(doh.find("DoH upstreams are not supported yet"), std::string::npos);
}

TEST(DnsSettings, AppIds) {
    for (const auto& id : std::vector<std::string>{"org.mozilla.firefox", "firefox-esr", "a",
                                                   "Web_Content", std::string(255, 'a')}) {
        EXPECT_TRUE(isValidAppId(id)) << id;
    }
    for (const auto& id : std::vector<std::string>{"", ".hidden", "-flag", "a b", "a/b", "ü", "a=b",
                                                   "a;b", std::string(256, 'a')}) {
        EXPECT_FALSE(isValidAppId(id)) << id;
    }
}

TEST(DnsSettings, ResolverIds) {
    for (const auto& id :
         std::vector<std::string>{"quad9", "9", "dns.sb", "a_b-c", std::string(32, 'z')}) {
        EXPECT_TRUE(isValidResolverId(id)) << id;
    }
    for (const auto& id : std::vector<std::string>{"", "shard", "Quad9", ".x", "_x", "-x", "a b",
                                                   "a;b", std::string(33, 'z')}) {
        EXPECT_FALSE(isValidResolverId(id)) << id;
    }
}

// ---- targets ----

TEST(DnsSettings, AnAppWithoutAssignmentGetsTheDefault) {
    DnsSettings settings = sample();
    EXPECT_EQ(settings.targetFor("org.mozilla.firefox"), "mullvad");
    EXPECT_EQ(settings.targetFor("curl"), "shard");
    EXPECT_EQ(settings.targetFor("org.gnome.Epiphany"), "quad9");
    EXPECT_EQ(settings.targetFor(""), "quad9");

    settings.setDefault("shard");
    EXPECT_EQ(settings.targetFor("org.gnome.Epiphany"), "shard");
    settings.setAssignment("org.mozilla.firefox", "");
    EXPECT_EQ(settings.targetFor("org.mozilla.firefox"), "shard");
    EXPECT_EQ(settings.assignments().count("org.mozilla.firefox"), 0U);
}

TEST(DnsSettings, ShardSetIsEveryResolverUnlessChosen) {
    DnsSettings settings = sample();
    EXPECT_EQ(settings.shardResolvers(), (std::vector<std::string>{"quad9", "mullvad"}));
    settings.setShardResolvers({});
    EXPECT_EQ(settings.shardResolvers(), (std::vector<std::string>{"quad9", "mullvad", "lan"}));
    settings.addResolver(dot("cloudflare", "1.1.1.1", "cloudflare-dns.com"));
    EXPECT_EQ(settings.shardResolvers().size(), 4U) << "a new resolver joins an implicit set";
}

// ---- removal ----

TEST(DnsSettings, RemovalIsRefusedWhileTheResolverIsUsed) {
    DnsSettings settings = sample();
    settings.setAssignment("org.gnome.Epiphany", "quad9");
    const std::string message =
        errorOf([&] { settings.removeResolver("quad9"); }, ErrorCode::InvalidArgs);
    EXPECT_NE(message.find("'quad9'"), std::string::npos) << message;
    EXPECT_NE(message.find("the default"), std::string::npos) << message;
    EXPECT_NE(message.find("org.gnome.Epiphany"), std::string::npos) << message;
    EXPECT_EQ(message.find("org.mozilla.firefox"), std::string::npos) << message;
    EXPECT_NE(message.find("elsewhere first"), std::string::npos) << message;
    ASSERT_NE(settings.resolver("quad9"), nullptr);

    settings.setDefault("mullvad");
    settings.setAssignment("org.gnome.Epiphany", "");
    settings.removeResolver("quad9");
    EXPECT_EQ(settings.resolver("quad9"), nullptr);
    EXPECT_EQ(settings.shardResolvers(), std::vector<std::string>{"mullvad"})
        << "the removed resolver leaves the explicit shard set, which stays explicit";
}

TEST(DnsSettings, RemovalMayNotEmptyAShardSetInUse) {
    DnsSettings settings = sample();
    settings.setShardResolvers({"lan"});
    const std::string message =
        errorOf([&] { settings.removeResolver("lan"); }, ErrorCode::InvalidArgs);
    EXPECT_NE(message.find("shard"), std::string::npos) << message;
    EXPECT_EQ(settings.shardResolvers(), std::vector<std::string>{"lan"});

    settings.setAssignment("curl", "quad9"); // shard no longer used
    settings.removeResolver("lan");
    EXPECT_EQ(settings.shardResolvers().size(), 2U);
}

TEST(DnsSettings, TheLastResolverStays) {
    DnsSettings settings({plain("only", "192.0.2.1")}, "shard");
    errorOf([&] { settings.removeResolver("only"); }, ErrorCode::InvalidArgs);
    EXPECT_EQ(settings.resolvers().size(), 1U);
    EXPECT_EQ(settings.shardResolvers(), std::vector<std::string>{"only"});
}

// ---- every refused change leaves the settings as they were ----

struct RefusedChange {
    const char* what;
    std::function<void(DnsSettings&)> change;
    ErrorCode code;
    const char* mentions;
};

void PrintTo(const RefusedChange& c, std::ostream* os) {
    *os << c.what;
}

class RefusedChangeTest : public testing::TestWithParam<RefusedChange> {};

TEST_P(RefusedChangeTest, LeavesEverythingUnchanged) {
    DnsSettings settings = sample();
    const DnsSettings before = settings;
    const std::string text = settings.serialize();
    const std::string message = errorOf([&] { GetParam().change(settings); }, GetParam().code);
    EXPECT_NE(message.find(GetParam().mentions), std::string::npos) << message;
    EXPECT_EQ(settings, before);
    EXPECT_EQ(settings.serialize(), text);
}

INSTANTIATE_TEST_SUITE_P(
    DnsSettings, RefusedChangeTest,
    testing::Values(
        RefusedChange{"adding an existing id",
                      [](auto& s) { s.addResolver(dot("quad9", "1.1.1.1", "one.one.one.one")); },
                      ErrorCode::InvalidArgs, "'quad9' already exists"},
        RefusedChange{"adding an invalid resolver",
                      [](auto& s) { s.addResolver(plain("new", "resolver.example")); },
                      ErrorCode::InvalidArgs, "address"},
        RefusedChange{"replacing an unknown id",
                      [](auto& s) { s.replaceResolver(plain("nobody", "192.0.2.9")); },
                      ErrorCode::NotFound, "'nobody'"},
        RefusedChange{"replacing with an invalid resolver",
                      [](auto& s) {
                          auto broken = *s.resolver("quad9");
                          broken.endpoint.tlsName.clear();
                          s.replaceResolver(broken);
                      },
                      ErrorCode::InvalidArgs, "tls_name"},
        RefusedChange{"removing an unknown id", [](auto& s) { s.removeResolver("nobody"); },
                      ErrorCode::NotFound, "'nobody'"},
        RefusedChange{"removing the default", [](auto& s) { s.removeResolver("quad9"); },
                      ErrorCode::InvalidArgs, "the default"},
        RefusedChange{"removing an assigned resolver", [](auto& s) { s.removeResolver("mullvad"); },
                      ErrorCode::InvalidArgs, "org.mozilla.firefox"},
        RefusedChange{"assigning an invalid app id",
                      [](auto& s) { s.setAssignment("../etc", "quad9"); }, ErrorCode::InvalidArgs,
                      "'../etc'"},
        RefusedChange{"assigning an unknown resolver",
                      [](auto& s) { s.setAssignment("org.example.App", "nobody"); },
                      ErrorCode::NotFound, "'nobody'"},
        RefusedChange{"removing the assignment of an invalid app id",
                      [](auto& s) { s.setAssignment("", ""); }, ErrorCode::InvalidArgs, "app"},
        RefusedChange{"an empty default", [](auto& s) { s.setDefault(""); }, ErrorCode::InvalidArgs,
                      "target"},
        RefusedChange{"an unknown default", [](auto& s) { s.setDefault("nobody"); },
                      ErrorCode::NotFound, "'nobody'"},
        RefusedChange{"a shard set with an unknown id",
                      [](auto& s) {
                          s.setShardResolvers({"lan", "nobody"});
                      },
                      ErrorCode::NotFound, "'nobody'"},
        RefusedChange{"a shard set with a duplicate",
                      [](auto& s) {
                          s.setShardResolvers({"lan", "quad9", "lan"});
                      },
                      ErrorCode::InvalidArgs, "'lan' is listed twice"},
        RefusedChange{"a negative threshold", [](auto& s) { s.setExposureThresholdBits(-1); },
                      ErrorCode::InvalidArgs, "-1"},
        RefusedChange{"a threshold above 64", [](auto& s) { s.setExposureThresholdBits(64.5); },
                      ErrorCode::InvalidArgs, "64.5"},
        RefusedChange{
            "a threshold that is not a number",
            [](auto& s) { s.setExposureThresholdBits(std::numeric_limits<double>::quiet_NaN()); },
            ErrorCode::InvalidArgs, "nan"},
        RefusedChange{
            "an infinite threshold",
            [](auto& s) { s.setExposureThresholdBits(std::numeric_limits<double>::infinity()); },
            ErrorCode::InvalidArgs, "inf"}),
    [](const testing::TestParamInfo<RefusedChange>& info) {
        std::string name = info.param.what;
        std::replace_if(
            name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
        return name;
    });

TEST(DnsSettings, ConstructorRefusesWhatMutatorsRefuse) {
    errorOf([] { DnsSettings({}, "shard"); }, ErrorCode::InvalidArgs);
    errorOf([] { DnsSettings({plain("a", "192.0.2.1")}, "b"); }, ErrorCode::NotFound);
    errorOf(
        [] {
            DnsSettings({plain("a", "192.0.2.1"), plain("a", "192.0.2.2")}, "a");
        },
        ErrorCode::InvalidArgs);
    errorOf([] { DnsSettings({plain("a", "not-an-address")}, "a"); }, ErrorCode::InvalidArgs);
}

TEST(DnsSettings, ThresholdBounds) {
    DnsSettings settings = sample();
    settings.setExposureThresholdBits(0);
    EXPECT_EQ(settings.exposureThresholdBits(), 0.0);
    settings.setExposureThresholdBits(64);
    EXPECT_EQ(settings.exposureThresholdBits(), 64.0);
}

TEST(DnsSettings, ReplacingAResolverKeepsItsPlace) {
    DnsSettings settings = sample();
    auto changed = *settings.resolver("mullvad");
    changed.endpoint.spkiPin = kPin;
    changed.displayName = "Mullvad, pinned";
    settings.replaceResolver(changed);
    EXPECT_EQ(*settings.resolver("mullvad"), changed);
    EXPECT_EQ(settings.resolvers()[1].endpoint.id, "mullvad");
    EXPECT_EQ(settings.targetFor("org.mozilla.firefox"), "mullvad");
}

// ---- persistence ----

TEST(DnsSettings, SaveThenLoadGivesTheSameSettings) {
    TempDir dir;
    const fs::path state = dir.path() / "state" / "dns.state";
    const fs::path ca = dir.path() / "ca.pem";
    std::ofstream(ca) << "not parsed here\n";
    DnsSettings settings = sample();
    auto pinned = *settings.resolver("mullvad");
    pinned.endpoint.spkiPin = kPin;
    pinned.endpoint.caFile = ca.string();
    pinned.displayName = "Mullvad — pinned; #1 = best";
    settings.replaceResolver(pinned);
    settings.setExposureThresholdBits(0.1);
    settings.save(state);

    const auto loaded = DnsSettings::load(state);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(*loaded, settings);
    EXPECT_EQ(loaded->serialize(), settings.serialize());
    EXPECT_EQ(loaded->exposureThresholdBits(), 0.1);
    EXPECT_EQ(fs::status(state).permissions() & fs::perms::others_all, fs::perms::none)
        << "app assignments are nobody else's business";
}

TEST(DnsSettings, AnAbsentStateFileIsNoSettings) {
    TempDir dir;
    EXPECT_FALSE(DnsSettings::load(dir.path() / "dns.state").has_value());
}

TEST(DnsSettings, AFailedSaveNamesTheFileAndKeepsTheOldOne) {
    TempDir dir;
    const fs::path state = dir.path() / "dns.state";
    const DnsSettings old = sample();
    old.save(state);
    const fs::path blocked = dir.path() / "dns.state" / "nested.state"; // parent is a file
    const std::string message = errorOf([&] { sample().save(blocked); }, ErrorCode::StateNotSaved);
    EXPECT_NE(message.find(blocked.string()), std::string::npos) << message;
    EXPECT_EQ(DnsSettings::load(state), old);
}

// ---- invalid files ----

constexpr std::string_view kGoodText = R"([Policy]
Default=quad9
Shard=quad9;lan
ExposureThresholdBits=8

[Resolver quad9]
Name=Quad9
Address=9.9.9.9
Protocol=dot
TlsName=dns.quad9.net

[Resolver lan]
Address=192.168.1.1
Protocol=do53

[Assignments]
org.mozilla.firefox=lan
)";

// kGoodText with line `line` (1-based) replaced by `replacement` ("" deletes it).
std::string withLine(int line, std::string_view replacement) {
    std::string out;
    int number = 0;
    std::string_view rest = kGoodText;
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const std::string_view current = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        ++number;
        if (number == line) {
            if (!replacement.empty()) {
                out += std::string(replacement) + "\n";
            }
            continue;
        }
        out += std::string(current) + "\n";
    }
    return out;
}

TEST(DnsSettings, TheGoodTextParsesWithPortsByProtocol) {
    const DnsSettings settings = DnsSettings::parse(kGoodText, "good.conf");
    EXPECT_EQ(settings.resolver("quad9")->endpoint.port, 853);
    EXPECT_EQ(settings.resolver("lan")->endpoint.port, 53);
    EXPECT_EQ(settings.resolver("quad9")->displayName, "Quad9");
    EXPECT_EQ(settings.targetFor("org.mozilla.firefox"), "lan");
    EXPECT_EQ(settings.shardResolvers(), (std::vector<std::string>{"quad9", "lan"}));
    EXPECT_EQ(DnsSettings::parse(settings.serialize(), "again"), settings);
}

struct BadFile {
    const char* what;
    std::string text;
    int line; // 0: the error names the file without a line
    const char* mentions;
};

void PrintTo(const BadFile& c, std::ostream* os) {
    *os << c.what;
}

class BadFileTest : public testing::TestWithParam<BadFile> {};

TEST_P(BadFileTest, IsBadConfigNamingFileAndLine) {
    TempDir dir;
    const fs::path state = dir.path() / "dns.state";
    std::ofstream(state) << GetParam().text;
    const std::string message = errorOf([&] { DnsSettings::load(state); }, ErrorCode::BadConfig);
    const std::string where =
        state.string() + ":" + (GetParam().line > 0 ? std::to_string(GetParam().line) + ":" : "");
    EXPECT_EQ(message.rfind(where, 0), 0U) << message;
    EXPECT_NE(message.find(GetParam().mentions), std::string::npos) << message;
    // The shipped list is read the same way.
    errorOf([&] { DnsSettings::fromShippedList(state); }, ErrorCode::BadConfig);
}

INSTANTIATE_TEST_SUITE_P(
    DnsSettings, BadFileTest,
    testing::Values(
        BadFile{"empty", "", 0, "[Resolver"},
        BadFile{"binary garbage",
                std::string("\x7f"
                            "ELF\x02\x01\x01\0\0",
                            9),
                1, "NUL"},
        BadFile{"syntax error", withLine(9, "Protocol dot"), 9, "key=value"},
        BadFile{"unknown group", withLine(16, "[Assignment]"), 16, "[Assignment]"},
        BadFile{"unknown resolver key", withLine(7, "Label=Quad9"), 7, "'Label'"},
        BadFile{"unknown policy key", withLine(4, "Threshold=8"), 4, "'Threshold'"},
        BadFile{"invalid resolver id", withLine(6, "[Resolver Quad9]"), 6, "'Quad9'"},
        BadFile{"host name as address", withLine(8, "Address=dns.quad9.net"), 8, "Address"},
        BadFile{"port out of range", withLine(8, "Address=9.9.9.9\nPort=65536"), 9, "Port"},
        BadFile{"port 0", withLine(8, "Address=9.9.9.9\nPort=0"), 9, "Port"},
        BadFile{"unknown protocol", withLine(9, "Protocol=https"), 9, "'https'"},
        BadFile{"DoH", withLine(9, "Protocol=doh"), 9, "DoH upstreams are not supported yet"},
        BadFile{"DoT without TLS name", withLine(10, ""), 6, "TlsName"},
        BadFile{"TLS name on Do53", withLine(14, "Protocol=do53\nTlsName=lan.example"), 15,
                "TlsName"},
        BadFile{"bad pin", withLine(10, "TlsName=dns.quad9.net\nPin=abc"), 11, "Pin"},
        BadFile{"relative CA file", withLine(10, "TlsName=dns.quad9.net\nCaFile=ca.pem"), 11,
                "CaFile"},
        BadFile{"no address", withLine(13, ""), 12, "Address"},
        BadFile{"no protocol", withLine(14, ""), 12, "Protocol"},
        BadFile{"unknown default", withLine(2, "Default=google"), 2, "'google'"},
        BadFile{"no default", withLine(2, ""), 1, "Default"},
        BadFile{"unknown group instead of Policy", withLine(1, "[Rules]"), 1, "[Rules]"},
        BadFile{"unknown shard resolver", withLine(3, "Shard=quad9;google"), 3, "'google'"},
        BadFile{"duplicate shard resolver", withLine(3, "Shard=quad9;lan;quad9"), 3,
                "listed twice"},
        BadFile{"threshold not a number", withLine(4, "ExposureThresholdBits=nan"), 4,
                "ExposureThresholdBits"},
        BadFile{"threshold above 64", withLine(4, "ExposureThresholdBits=65"), 4,
                "ExposureThresholdBits"},
        BadFile{"threshold with a unit", withLine(4, "ExposureThresholdBits=8bits"), 4,
                "ExposureThresholdBits"},
        BadFile{"invalid app id", withLine(17, "org/mozilla=lan"), 17, "'org/mozilla'"},
        BadFile{"assignment to an unknown resolver", withLine(17, "org.mozilla.firefox=google"), 17,
                "'google'"},
        BadFile{"duplicate resolver", std::string(kGoodText) + "[Resolver lan]\n", 18,
                "duplicate"}),
    [](const testing::TestParamInfo<BadFile>& info) {
        std::string name = info.param.what;
        std::replace_if(
            name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
        return name;
    });

TEST(DnsSettings, AMissingPolicyGroupIsNamed) {
    const std::string withoutPolicy(kGoodText.substr(kGoodText.find("[Resolver")));
    const std::string message =
        errorOf([&] { DnsSettings::parse(withoutPolicy, "x.conf"); }, ErrorCode::BadConfig);
    EXPECT_EQ(message.rfind("x.conf: ", 0), 0U) << message;
    EXPECT_NE(message.find("[Policy]"), std::string::npos) << message;
}

TEST(DnsSettings, AMissingShippedListIsBadConfigNamingIt) {
    TempDir dir;
    const fs::path list = dir.path() / "resolvers.conf";
    const std::string message =
        errorOf([&] { DnsSettings::fromShippedList(list); }, ErrorCode::BadConfig);
    EXPECT_NE(message.find(list.string()), std::string::npos) << message;
}

// ---- the shipped list ----

TEST(DnsSettings, TheShippedListIsEncryptedAndSpreadsOverOperators) {
    const DnsSettings shipped = DnsSettings::fromShippedList(MAMORI_SOURCE_RESOLVER_LIST);
    ASSERT_FALSE(shipped.resolvers().empty());
    for (const auto& resolver : shipped.resolvers()) {
        const auto& endpoint = resolver.endpoint;
        EXPECT_EQ(endpoint.protocol, Protocol::DoT)
            << endpoint.id << " would send queries in clear";
        EXPECT_FALSE(endpoint.tlsName.empty()) << endpoint.id;
        EXPECT_FALSE(resolver.displayName.empty()) << endpoint.id;
        EXPECT_NO_THROW(validateResolver(resolver)) << endpoint.id;
    }
    const std::string& target = shipped.defaultTarget();
    ASSERT_TRUE(target == kShardTarget || shipped.resolver(target) != nullptr) << target;
    if (target == kShardTarget) {
        std::set<std::string> operators;
        for (const auto& id : shipped.shardResolvers()) {
            operators.insert(shipped.resolver(id)->endpoint.tlsName);
        }
        EXPECT_GE(operators.size(), 2U) << "sharding over one operator protects nothing";
        EXPECT_EQ(operators.size(), shipped.shardResolvers().size())
            << "no operator should get two shares";
    }
    EXPECT_GT(shipped.exposureThresholdBits(), 0.0);
    EXPECT_EQ(DnsSettings::parse(shipped.serialize(), "again"), shipped);
}

TEST(DnsSettings, RestoringTheShippedListKeepsTheThreshold) {
    const DnsSettings shipped = DnsSettings::fromShippedList(MAMORI_SOURCE_RESOLVER_LIST);
    DnsSettings settings = sample();
    settings.setExposureThresholdBits(12);
    settings.replaceResolversWith(shipped);
    EXPECT_EQ(settings.resolvers(), shipped.resolvers());
    EXPECT_EQ(settings.defaultTarget(), shipped.defaultTarget());
    EXPECT_EQ(settings.assignments(), shipped.assignments());
    EXPECT_EQ(settings.shardResolvers(), shipped.shardResolvers());
    EXPECT_EQ(settings.exposureThresholdBits(), 12.0);
}

} // namespace
} // namespace mamori::dns
