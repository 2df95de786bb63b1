// RegistrableDomain against the system's Public Suffix List: the sites a user would recognise
// as one, the names that have none, reverse names, and hostile bytes.
#include "dns/RegistrableDomain.h"

#include <cstdint>
#include <gtest/gtest.h>
#include <random>
#include <string>

namespace mamori::dns {
namespace {

class RegistrableDomainTest : public testing::Test {
protected:
    RegistrableDomain domains;
};

TEST_F(RegistrableDomainTest, CutsNamesToTheSiteTheyBelongTo) {
    EXPECT_EQ(domains.of("www.bbc.co.uk"), "bbc.co.uk");
    EXPECT_EQ(domains.of("a.b.example.com."), "example.com");
    EXPECT_EQ(domains.of("example.com"), "example.com");
    EXPECT_EQ(domains.of("_dmarc.mail.example.org"), "example.org");
}

TEST_F(RegistrableDomainTest, LowerCasesAndDropsTheTrailingDot) {
    EXPECT_EQ(domains.of("WWW.Example.COM."), "example.com");
    EXPECT_EQ(domains.of("Images.BBC.Co.UK"), domains.of("news.bbc.co.uk"));
}

TEST_F(RegistrableDomainTest, SubdomainsOfOneSiteAreOneDomain) {
    EXPECT_EQ(domains.of("mail.google.com"), domains.of("maps.google.com"));
    EXPECT_NE(domains.of("google.com"), domains.of("google.co.uk"));
}

TEST_F(RegistrableDomainTest, PrivateSuffixesSeparateTheirUsers) {
    // github.io is on the list's private part: each user's pages are a site of their own.
    EXPECT_EQ(domains.of("www.alice.github.io"), "alice.github.io");
    EXPECT_NE(domains.of("alice.github.io"), domains.of("bob.github.io"));
}

TEST_F(RegistrableDomainTest, PunycodeNamesUseTheListsIdnRules) {
    // .xn--p1ai is ".рф": a public suffix, so its second level is the site.
    EXPECT_EQ(domains.of("www.xn--d1acpjx3f.xn--p1ai"), "xn--d1acpjx3f.xn--p1ai");
    EXPECT_EQ(domains.of("xn--p1ai"), "xn--p1ai");
}

TEST_F(RegistrableDomainTest, NamesWithoutARegistrableDomainAreReturnedWhole) {
    EXPECT_EQ(domains.of("co.uk"), "co.uk");
    EXPECT_EQ(domains.of("com."), "com");
    EXPECT_EQ(domains.of("localhost"), "localhost");
    EXPECT_EQ(domains.of("LocalHost."), "localhost");
}

TEST_F(RegistrableDomainTest, RootAndEmptyAreTheRoot) {
    EXPECT_EQ(domains.of(""), ".");
    EXPECT_EQ(domains.of("."), ".");
}

TEST_F(RegistrableDomainTest, ReverseIpv4NamesAreCutToTheSlash24) {
    EXPECT_EQ(domains.of("4.3.2.1.in-addr.arpa"), "3.2.1.in-addr.arpa");
    EXPECT_EQ(domains.of("9.3.2.1.in-addr.arpa."), domains.of("4.3.2.1.in-addr.arpa"));
    EXPECT_NE(domains.of("4.3.7.1.in-addr.arpa"), domains.of("4.3.2.1.in-addr.arpa"));
    EXPECT_EQ(domains.of("2.1.in-addr.arpa"), "2.1.in-addr.arpa");
    EXPECT_EQ(domains.of("in-addr.arpa"), "in-addr.arpa");
}

TEST_F(RegistrableDomainTest, ReverseIpv6NamesAreCutToTheSlash48) {
    // 2001:db8:1::1 and 2001:db8:1:ff::2 share a /48; 2001:db8:2::1 does not.
    const std::string host1 =
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
    const std::string host2 = "2.0.0.0.0.0.0.0.0.0.0.0.f.f.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
    const std::string other =
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
    EXPECT_EQ(domains.of(host1), "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    EXPECT_EQ(domains.of(host1), domains.of(host2));
    EXPECT_NE(domains.of(host1), domains.of(other));
    EXPECT_EQ(domains.of("8.b.d.0.1.0.0.2.ip6.arpa"), "8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST_F(RegistrableDomainTest, NamesThatAreNotHostNamesKeepTheirLastTwoLabels) {
    // DnsMessage writes a byte outside [a-z0-9-_] as \DDD.
    EXPECT_EQ(domains.of("a\\046b.tracker.example.com"), "example.com");
    EXPECT_EQ(domains.of("x.ex ample.co.uk"), "co.uk");
    EXPECT_EQ(domains.of("a..example.com"), "example.com");
    EXPECT_EQ(domains.of(std::string("evil\0.example.net", 17)), "example.net");
    EXPECT_EQ(domains.of("\xff\xfe"), "\xff\xfe");
}

TEST_F(RegistrableDomainTest, AnswersEveryByteWithoutThrowing) {
    for (int byte = 0; byte < 256; ++byte) {
        const char c = static_cast<char>(byte);
        for (const std::string& name :
             {std::string(1, c), "www." + std::string(1, c) + ".com",
              std::string(3, c) + ".example.co.uk", "example." + std::string(1, c)}) {
            std::string result;
            EXPECT_NO_THROW(result = domains.of(name)) << "byte " << byte;
            EXPECT_FALSE(result.empty()) << "byte " << byte;
            EXPECT_EQ(result, domains.of(name)) << "byte " << byte;
        }
    }
}

TEST_F(RegistrableDomainTest, AnswersHostileNamesWithoutThrowing) {
    std::mt19937 random(1234);
    for (int i = 0; i < 2000; ++i) {
        std::string name(random() % 600, '\0');
        for (char& c : name) {
            // Mostly host name bytes and dots, so libpsl gets to see many of them.
            const uint32_t pick = random() % 8;
            c = pick == 0   ? '.'
                : pick == 1 ? static_cast<char>(random())
                            : "abc-_1Z."[random() % 8];
        }
        std::string result;
        EXPECT_NO_THROW(result = domains.of(name));
        EXPECT_FALSE(result.empty());
        EXPECT_LE(result.size(), std::max<std::size_t>(name.size(), 1));
    }
    EXPECT_EQ(domains.of(std::string(100000, 'a') + ".example.com"), "example.com");
    EXPECT_EQ(domains.of(std::string(100000, '.')), ".");
}

TEST_F(RegistrableDomainTest, IsStableUnderItself) {
    for (const char* name : {"www.bbc.co.uk", "a.b.c.example.com", "co.uk", "localhost",
                             "alice.github.io", "4.3.2.1.in-addr.arpa", "."}) {
        const std::string once = domains.of(name);
        EXPECT_EQ(domains.of(once), once) << name;
    }
}

} // namespace
} // namespace mamori::dns
