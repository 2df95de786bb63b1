// ExposureLedger: the numbers a user reads (queries, distinct domains, entropy), the warning
// once a resolver knows too much, the file that keeps them across restarts, and its bounds.
#include "dns/ExposureLedger.h"

#include "TempDir.h"
#include "common/Errors.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <vector>

namespace mamori::dns {
namespace {

namespace fs = std::filesystem;

// The entropy of a distribution computed the plain way, to compare with the ledger's.
double entropyOf(const std::vector<double>& counts) {
    double total = 0;
    for (const double c : counts) {
        total += c;
    }
    double bits = 0;
    for (const double c : counts) {
        bits -= c / total * std::log2(c / total);
    }
    return bits;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::vector<fs::path> corruptCopies(const fs::path& file) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(file.parent_path())) {
        if (entry.path().filename().string().starts_with(file.filename().string() + ".corrupt-")) {
            found.push_back(entry.path());
        }
    }
    return found;
}

class ExposureLedgerTest : public testing::Test {
protected:
    TempDir dir;
    fs::path file = dir.path() / "exposure.ledger";

    void record(ExposureLedger& ledger, const std::string& resolver,
                const std::map<std::string, int>& counts, const std::string& app = "org.app") {
        for (const auto& [domain, count] : counts) {
            for (int i = 0; i < count; ++i) {
                ledger.record(resolver, app, domain);
            }
        }
    }
};

TEST_F(ExposureLedgerTest, FourDomainsQueriedEquallyAreTwoBits) {
    ExposureLedger ledger(file, 0);
    record(ledger, "quad9", {{"a.com", 3}, {"b.com", 3}, {"c.com", 3}, {"d.com", 3}});
    const auto totals = ledger.totals("quad9");
    EXPECT_EQ(totals.queries, 12U);
    EXPECT_EQ(totals.distinctDomains, 4U);
    EXPECT_DOUBLE_EQ(totals.entropyBits, 2.0);
}

TEST_F(ExposureLedgerTest, OneDomainIsZeroBits) {
    ExposureLedger ledger(file, 0);
    record(ledger, "quad9", {{"example.com", 7}});
    const auto totals = ledger.totals("quad9");
    EXPECT_EQ(totals.queries, 7U);
    EXPECT_EQ(totals.distinctDomains, 1U);
    EXPECT_EQ(totals.entropyBits, 0.0);
}

TEST_F(ExposureLedgerTest, CountsTwoOneOneAreOneAndAHalfBits) {
    ExposureLedger ledger(file, 0);
    record(ledger, "quad9", {{"a.com", 2}, {"b.com", 1}, {"c.com", 1}});
    EXPECT_DOUBLE_EQ(ledger.totals("quad9").entropyBits, 1.5);
}

TEST_F(ExposureLedgerTest, EntropyFollowsTheDistributionAsItGrows) {
    ExposureLedger ledger(file, 0);
    std::map<std::string, int> counts;
    for (int i = 1; i <= 200; ++i) {
        counts["site" + std::to_string(i) + ".example"] = 1 + (i * 7919) % 97;
    }
    record(ledger, "quad9", counts);
    std::vector<double> expected;
    expected.reserve(counts.size());
    for (const auto& [domain, count] : counts) {
        expected.push_back(count);
    }
    EXPECT_NEAR(ledger.totals("quad9").entropyBits, entropyOf(expected), 1e-9);
    EXPECT_EQ(ledger.totals("quad9").distinctDomains, 200U);
}

TEST_F(ExposureLedgerTest, AnUnknownResolverHasSeenNothing) {
    ExposureLedger ledger(file, 0);
    EXPECT_EQ(ledger.totals("nobody"), ExposureTotals{});
    EXPECT_TRUE(ledger.resolvers().empty());
    EXPECT_TRUE(ledger.apps().empty());
}

TEST_F(ExposureLedgerTest, ListsResolversAndAppsSorted) {
    ExposureLedger ledger(file, 0);
    ledger.record("quad9", "org.mozilla.firefox", "example.com");
    ledger.record("cloudflare", "org.gnome.Maps", "openstreetmap.org");
    ledger.record("quad9", "", "example.com");
    ledger.record("quad9", "org.mozilla.firefox", "bbc.co.uk");
    ledger.record("cloudflare", "", "example.com", ExposureSource::BypassingDoh);

    const auto resolvers = ledger.resolvers();
    ASSERT_EQ(resolvers.size(), 3U);
    EXPECT_EQ(resolvers[0].resolver, "cloudflare");
    EXPECT_EQ(resolvers[0].source, ExposureSource::Stub);
    EXPECT_EQ(resolvers[1].resolver, "cloudflare");
    EXPECT_EQ(resolvers[1].source, ExposureSource::BypassingDoh);
    EXPECT_EQ(resolvers[2].resolver, "quad9");
    EXPECT_EQ(resolvers[2].totals.queries, 3U);
    EXPECT_EQ(resolvers[2].totals.distinctDomains, 2U);

    const auto apps = ledger.apps();
    ASSERT_EQ(apps.size(), 4U);
    EXPECT_EQ(apps[0].app, "org.gnome.Maps");
    EXPECT_EQ(apps[1].source, ExposureSource::BypassingDoh);
    EXPECT_EQ(apps[2].resolver, "quad9");
    EXPECT_EQ(apps[2].app, "");
    EXPECT_EQ(apps[2].totals.queries, 1U);
    EXPECT_EQ(apps[3].app, "org.mozilla.firefox");
    EXPECT_EQ(apps[3].totals.queries, 2U);
    EXPECT_DOUBLE_EQ(apps[3].totals.entropyBits, 1.0);
}

TEST_F(ExposureLedgerTest, SourcesAreKeptApart) {
    ExposureLedger ledger(file, 0);
    ledger.record("cloudflare", "org.mozilla.firefox", "a.com", ExposureSource::BypassingDoh);
    ledger.record("cloudflare", "org.mozilla.firefox", "b.com", ExposureSource::BypassingDoh);
    ledger.record("cloudflare", "org.gnome.Maps", "a.com");
    EXPECT_EQ(ledger.totals("cloudflare").queries, 1U);
    EXPECT_EQ(ledger.totals("cloudflare", ExposureSource::BypassingDoh).queries, 2U);
    EXPECT_DOUBLE_EQ(ledger.totals("cloudflare", ExposureSource::BypassingDoh).entropyBits, 1.0);
}

TEST_F(ExposureLedgerTest, SaveAndLoadGiveTheSameNumbers) {
    ExposureLedger ledger(file, 0);
    std::map<std::string, int> counts;
    for (int i = 0; i < 300; ++i) {
        counts["site" + std::to_string(i) + ".example"] = 1 + (i * 31) % 17;
    }
    record(ledger, "quad9", counts, "org.mozilla.firefox");
    record(ledger, "quad9", {{"a.com", 5}, {"b.com", 1}}, "");
    record(ledger, "mullvad", {{"x.org", 2}}, "org.gnome.Maps");
    ledger.record("dns.google", "com.example.Chat", "chat.example", ExposureSource::BypassingDoh);
    EXPECT_TRUE(ledger.dirty());
    ledger.save();
    EXPECT_FALSE(ledger.dirty());

    const ExposureLedger loaded(file, 0);
    EXPECT_FALSE(loaded.dirty());
    EXPECT_EQ(loaded.resolvers(), ledger.resolvers()); // entropies compared exactly
    EXPECT_EQ(loaded.apps(), ledger.apps());
    EXPECT_EQ(loaded.serialize(), readFile(file));
}

TEST_F(ExposureLedgerTest, HostileBytesInNamesSurviveTheFile) {
    ExposureLedger ledger(file, 0);
    std::string everyByte;
    for (int byte = 0; byte < 256; ++byte) {
        everyByte += static_cast<char>(byte);
    }
    const std::vector<std::string> names{everyByte.substr(0, 128),
                                         everyByte.substr(128),
                                         "tab\there",
                                         "new\nline",
                                         "back\\slash",
                                         "\\x41",
                                         "",
                                         "# not a comment",
                                         "resolver\tx\tstub\t1\t0"};
    for (const auto& name : names) {
        ledger.record("evil\t\n\\id", name, name);
        ledger.record("quad9", name, name, ExposureSource::BypassingDoh);
    }
    ledger.save();
    const ExposureLedger loaded(file, 0);
    EXPECT_EQ(loaded.resolvers(), ledger.resolvers());
    EXPECT_EQ(loaded.apps(), ledger.apps());
    EXPECT_EQ(loaded.totals("evil\t\n\\id").distinctDomains, names.size());
    EXPECT_EQ(readFile(file).find('\r'), std::string::npos);
}

TEST_F(ExposureLedgerTest, TheFileIsReadableByItsOwnerOnly) {
    ExposureLedger ledger(file, 0);
    ledger.record("quad9", "org.app", "example.com");
    ledger.save();
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
}

TEST_F(ExposureLedgerTest, SavingWhereItCannotThrowsNamingTheFile) {
    const fs::path nowhere = dir.path() / "missing-dir" / "exposure.ledger";
    ExposureLedger ledger(nowhere, 0);
    ledger.record("quad9", "org.app", "example.com");
    try {
        ledger.save();
        FAIL() << "save() into a missing directory succeeded";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find(nowhere.string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(ledger.dirty());
}

TEST_F(ExposureLedgerTest, ACorruptFileIsKeptAsideAndTheLedgerStartsEmpty) {
    const std::string garbage = "mamori-exposure-ledger\t1\ndomain\tquad9\tstub\texample.com\t3\n";
    writeFile(file, garbage);
    testing::internal::CaptureStderr();
    const ExposureLedger ledger(file, 0);
    const std::string log = testing::internal::GetCapturedStderr();

    EXPECT_TRUE(ledger.resolvers().empty());
    EXPECT_FALSE(fs::exists(file));
    const auto copies = corruptCopies(file);
    ASSERT_EQ(copies.size(), 1U);
    EXPECT_EQ(readFile(copies[0]), garbage);
    EXPECT_NE(log.find(file.string()), std::string::npos) << log;
    EXPECT_NE(log.find("line 2"), std::string::npos) << log;
    EXPECT_NE(log.find(copies[0].string()), std::string::npos) << log;
}

TEST_F(ExposureLedgerTest, ADirectoryInPlaceOfTheFileIsKeptAside) {
    fs::create_directory(file);
    testing::internal::CaptureStderr();
    const ExposureLedger ledger(file, 0);
    testing::internal::GetCapturedStderr();
    EXPECT_TRUE(ledger.resolvers().empty());
    EXPECT_EQ(corruptCopies(file).size(), 1U);
}

TEST_F(ExposureLedgerTest, MalformedTextIsRefusedNamingTheLineAndChangesNothing) {
    const std::string header = "mamori-exposure-ledger\t1\n";
    const std::string resolver = "resolver\tquad9\tstub\t0\t0\n";
    const std::vector<std::string> bad{
        "",
        "mamori-exposure-ledger\t2\n",
        header + "bogus\tquad9\n",
        header + resolver + resolver,
        header + "resolver\t\tstub\t0\t0\n",
        header + "resolver\tquad9\tdot\t0\t0\n",
        header + "resolver\tquad9\tstub\t2\t0\n",
        header + "resolver\tquad9\tstub\t0\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t0\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t-1\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t1x\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t99999999999999999999999\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t9007199254740992\n" +
            "domain\tquad9\tstub\tb.com\t1\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t1\ndomain\tquad9\tstub\ta.com\t1\n",
        header + resolver + "domain\tquad9\tstub\ta b.com\t1\n",
        header + resolver + "domain\tquad9\tstub\ta\\x4.com\t1\n",
        header + resolver + "domain\tquad9\tstub\ta\\y41.com\t1\n",
        header + resolver + "domain\tquad9\tstub\ta.com\t1\r\n",
        header + resolver + "domain\tquad9\tstub\t" + std::string(256, 'a') + "\t1\n",
        header + resolver + "domain\tquad9\tdoh\ta.com\t1\n",
        header + resolver + "appdomain\tquad9\tstub\torg.app\ta.com\t1\n",
        header + resolver + "app\tquad9\tstub\torg.app\t0\tapp\tquad9\tstub\torg.app\t0\n",
    };
    ExposureLedger ledger(file, 0);
    ledger.record("quad9", "org.app", "kept.example");
    const auto before = ledger.resolvers();
    for (const auto& text : bad) {
        try {
            ledger.restore(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const MamoriError& e) {
            EXPECT_EQ(e.code(), ErrorCode::BadConfig);
            EXPECT_TRUE(std::string(e.what()).starts_with("line ")) << e.what();
        }
        EXPECT_EQ(ledger.resolvers(), before);
    }
}

TEST_F(ExposureLedgerTest, WarnsOnceWhenAResolverCrossesTheThreshold) {
    ExposureLedger ledger(file, 1.5);
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}});
    record(ledger, "mullvad", {{"a.com", 1}});
    EXPECT_TRUE(ledger.takeWarnings().empty()); // 1 bit

    record(ledger, "quad9", {{"c.com", 1}, {"d.com", 1}});
    const auto warnings = ledger.takeWarnings();
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0].resolver, "quad9");
    EXPECT_DOUBLE_EQ(warnings[0].totals.entropyBits, 2.0);

    record(ledger, "quad9", {{"e.com", 1}, {"f.com", 1}});
    EXPECT_TRUE(ledger.takeWarnings().empty());
}

TEST_F(ExposureLedgerTest, ResetForgetsAndRearmsTheWarning) {
    ExposureLedger ledger(file, 1.0);
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}});
    record(ledger, "quad9", {{"c.com", 1}}, "org.other");
    ledger.record("quad9", "org.app", "x.com", ExposureSource::BypassingDoh);
    record(ledger, "mullvad", {{"a.com", 1}, {"b.com", 1}});
    EXPECT_EQ(ledger.takeWarnings().size(), 2U);

    ledger.reset("quad9");
    EXPECT_EQ(ledger.totals("quad9"), ExposureTotals{});
    EXPECT_EQ(ledger.totals("quad9", ExposureSource::BypassingDoh), ExposureTotals{});
    EXPECT_EQ(ledger.apps().size(), 1U);
    EXPECT_EQ(ledger.totals("mullvad").queries, 2U);

    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}});
    const auto warnings = ledger.takeWarnings();
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0].resolver, "quad9");
}

TEST_F(ExposureLedgerTest, ResetOfNothingResetsEverything) {
    ExposureLedger ledger(file, 1.0);
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}});
    record(ledger, "mullvad", {{"a.com", 1}, {"b.com", 1}});
    EXPECT_EQ(ledger.takeWarnings().size(), 2U);
    ledger.save();
    ledger.reset("");
    EXPECT_TRUE(ledger.dirty());
    EXPECT_TRUE(ledger.resolvers().empty());
    EXPECT_TRUE(ledger.apps().empty());
    record(ledger, "mullvad", {{"a.com", 1}, {"b.com", 1}});
    EXPECT_EQ(ledger.takeWarnings().size(), 1U);
}

TEST_F(ExposureLedgerTest, RaisingTheThresholdAboveAResolverRearmsIt) {
    ExposureLedger ledger(file, 1.0);
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}});
    EXPECT_EQ(ledger.takeWarnings().size(), 1U);

    ledger.setThreshold(0.5); // still above it: stays reported
    EXPECT_TRUE(ledger.takeWarnings().empty());

    ledger.setThreshold(2.0);
    EXPECT_EQ(ledger.threshold(), 2.0);
    EXPECT_TRUE(ledger.takeWarnings().empty());
    record(ledger, "quad9", {{"c.com", 1}, {"d.com", 1}});
    EXPECT_EQ(ledger.takeWarnings().size(), 1U);
}

TEST_F(ExposureLedgerTest, ThresholdZeroNeverWarns) {
    ExposureLedger ledger(file, 0);
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}, {"c.com", 1}});
    EXPECT_TRUE(ledger.takeWarnings().empty());
    ledger.setThreshold(1.0);
    EXPECT_EQ(ledger.takeWarnings().size(), 1U);
}

TEST_F(ExposureLedgerTest, AWarningIsNotRepeatedAfterARestart) {
    {
        ExposureLedger ledger(file, 1.0);
        record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}});
        record(ledger, "mullvad", {{"a.com", 1}});
        EXPECT_EQ(ledger.takeWarnings().size(), 1U);
        EXPECT_TRUE(ledger.dirty());
        ledger.save();
    }
    ExposureLedger ledger(file, 1.0);
    EXPECT_TRUE(ledger.takeWarnings().empty());
    record(ledger, "mullvad", {{"b.com", 1}});
    EXPECT_EQ(ledger.takeWarnings().size(), 1U);
}

TEST_F(ExposureLedgerTest, RefusesBadThresholds) {
    EXPECT_THROW(ExposureLedger(file, -1), MamoriError);
    EXPECT_THROW(ExposureLedger(file, std::nan("")), MamoriError);
    ExposureLedger ledger(file, 3);
    try {
        ledger.setThreshold(HUGE_VAL);
        FAIL() << "an infinite threshold was accepted";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgs);
        EXPECT_NE(std::string(e.what()).find("threshold"), std::string::npos);
    }
    EXPECT_EQ(ledger.threshold(), 3.0);
}

TEST_F(ExposureLedgerTest, RefusesBadRecordsWithoutCountingThem) {
    ExposureLedger ledger(file, 0);
    EXPECT_THROW(ledger.record("", "org.app", "a.com"), MamoriError);
    EXPECT_THROW(ledger.record("quad9", "org.app", std::string(256, 'a')), MamoriError);
    EXPECT_THROW(ledger.record("quad9", std::string(256, 'a'), "a.com"), MamoriError);
    EXPECT_THROW(ledger.record(std::string(256, 'q'), "org.app", "a.com"), MamoriError);
    EXPECT_TRUE(ledger.resolvers().empty());
    EXPECT_FALSE(ledger.dirty());
    ledger.record("quad9", "org.app", std::string(255, 'a'));
    EXPECT_EQ(ledger.totals("quad9").queries, 1U);
}

TEST_F(ExposureLedgerTest, DomainsBeyondTheBoundGoToTheOtherBucket) {
    ExposureLedger ledger(file, 0, ExposureLimits{.domains = 3, .apps = 8, .resolvers = 8});
    record(ledger, "quad9", {{"a.com", 2}, {"b.com", 1}, {"c.com", 1}});
    record(ledger, "quad9", {{"d.com", 1}, {"e.com", 1}, {"f.com", 1}});
    record(ledger, "quad9", {{"a.com", 1}}); // a remembered domain keeps being counted

    const auto totals = ledger.totals("quad9");
    EXPECT_EQ(totals.queries, 8U);
    EXPECT_EQ(totals.distinctDomains, 3U);
    EXPECT_EQ(totals.otherQueries, 3U);
    // a:3 b:1 c:1 other:3
    EXPECT_DOUBLE_EQ(totals.entropyBits, entropyOf({3, 1, 1, 3}));

    ledger.save();
    const ExposureLedger loaded(file, 0, ExposureLimits{.domains = 3, .apps = 8, .resolvers = 8});
    EXPECT_EQ(loaded.resolvers(), ledger.resolvers());
    EXPECT_EQ(loaded.apps(), ledger.apps());
}

TEST_F(ExposureLedgerTest, AppDomainsShareTheResolversBound) {
    ExposureLedger ledger(file, 0, ExposureLimits{.domains = 4, .apps = 8, .resolvers = 8});
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}, {"c.com", 1}}, "org.one");
    record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}, {"c.com", 1}}, "org.two");
    const auto apps = ledger.apps();
    ASSERT_EQ(apps.size(), 2U);
    EXPECT_EQ(apps[0].totals.distinctDomains + apps[1].totals.distinctDomains, 4U);
    EXPECT_EQ(apps[1].totals.queries, 3U);
    EXPECT_EQ(apps[1].totals.otherQueries, 2U);
    EXPECT_EQ(ledger.totals("quad9").distinctDomains, 3U);
}

TEST_F(ExposureLedgerTest, AppsBeyondTheBoundCountForTheResolverOnly) {
    ExposureLedger ledger(file, 0, ExposureLimits{.domains = 100, .apps = 2, .resolvers = 8});
    for (const char* app : {"org.one", "org.two", "org.three"}) {
        ledger.record("quad9", app, "example.com");
    }
    EXPECT_EQ(ledger.apps().size(), 2U);
    EXPECT_EQ(ledger.totals("quad9").queries, 3U);
}

TEST_F(ExposureLedgerTest, ResolversBeyondTheBoundAreNotCounted) {
    ExposureLedger ledger(file, 0, ExposureLimits{.domains = 100, .apps = 8, .resolvers = 2});
    testing::internal::CaptureStderr();
    ledger.record("one", "org.app", "example.com");
    ledger.record("two", "org.app", "example.com");
    ledger.record("three", "org.app", "example.com");
    ledger.record("four", "org.app", "example.com");
    ledger.record("one", "org.app", "example.com", ExposureSource::BypassingDoh);
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(ledger.resolvers().size(), 2U);
    EXPECT_EQ(ledger.totals("one").queries, 1U);
    EXPECT_NE(log.find("three"), std::string::npos) << log;
}

TEST_F(ExposureLedgerTest, AFileBeyondTheBoundsIsCorrupt) {
    {
        ExposureLedger ledger(file, 0);
        record(ledger, "quad9", {{"a.com", 1}, {"b.com", 1}, {"c.com", 1}});
        ledger.save();
    }
    testing::internal::CaptureStderr();
    const ExposureLedger smaller(file, 0, ExposureLimits{.domains = 2, .apps = 8, .resolvers = 8});
    testing::internal::GetCapturedStderr();
    EXPECT_TRUE(smaller.resolvers().empty());
    EXPECT_EQ(corruptCopies(file).size(), 1U);
}

TEST_F(ExposureLedgerTest, RemembersAHundredThousandDomainsByDefault) {
    ExposureLedger ledger(file, 0);
    for (int i = 0; i < 100005; ++i) {
        ledger.record("quad9", "org.app", "site" + std::to_string(i) + ".example");
    }
    const auto totals = ledger.totals("quad9");
    EXPECT_EQ(totals.queries, 100005U);
    EXPECT_EQ(totals.distinctDomains, 100000U);
    EXPECT_EQ(totals.otherQueries, 5U);
}

TEST_F(ExposureLedgerTest, DirtyTracksUnsavedChanges) {
    ExposureLedger ledger(file, 1.0);
    EXPECT_FALSE(ledger.dirty());
    ledger.reset("");
    EXPECT_FALSE(ledger.dirty());
    ledger.record("quad9", "org.app", "a.com");
    EXPECT_TRUE(ledger.dirty());
    ledger.save();
    EXPECT_FALSE(ledger.dirty());
    ledger.record("quad9", "org.app", "b.com");
    ledger.save();
    EXPECT_EQ(ledger.takeWarnings().size(), 1U);
    EXPECT_TRUE(ledger.dirty()); // that it warned is saved too
}

} // namespace
} // namespace mamori::dns
