// ResolverSharder: the properties sharding promises the user — a domain always goes to the same
// resolver (also after a restart), each resolver gets a fair share, and losing a resolver moves
// only the domains that were on it.
#include "dns/ResolverSharder.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace mamori::dns {
namespace {

std::vector<std::string> syntheticDomains(int count) {
    std::vector<std::string> domains;
    domains.reserve(count);
    for (int i = 0; i < count; ++i) {
        domains.push_back("site" + std::to_string(i) + ".example");
    }
    return domains;
}

std::vector<std::string> without(std::vector<std::string> ids, const std::string& gone) {
    ids.erase(std::remove(ids.begin(), ids.end(), gone), ids.end());
    return ids;
}

class ResolverSharderTest : public testing::Test {
protected:
    ResolverSharder sharder;
    const std::vector<std::string> resolvers{"quad9", "cloudflare", "mullvad"};
    const std::vector<std::string> domains = syntheticDomains(3000);
};

TEST_F(ResolverSharderTest, TheSameDomainAlwaysGoesToTheSameResolver) {
    const ResolverSharder another;
    for (const auto& domain : domains) {
        const std::string shard = sharder.shardOf(domain, resolvers);
        EXPECT_EQ(sharder.shardOf(domain, resolvers), shard);
        EXPECT_EQ(another.shardOf(domain, resolvers), shard);
        EXPECT_EQ(sharder.order(domain, resolvers).front(), shard);
    }
}

TEST_F(ResolverSharderTest, TheOrderOfTheConfiguredResolversDoesNotMatter) {
    std::vector<std::string> shuffled{"mullvad", "quad9", "cloudflare"};
    for (const auto& domain : domains) {
        EXPECT_EQ(sharder.order(domain, shuffled), sharder.order(domain, resolvers));
    }
}

TEST_F(ResolverSharderTest, OrderListsEveryResolverOnce) {
    const std::vector<std::string> withDuplicate{"quad9", "cloudflare", "quad9", "mullvad"};
    for (const auto& domain : {std::string("example.com"), std::string("bbc.co.uk")}) {
        auto ordered = sharder.order(domain, withDuplicate);
        std::sort(ordered.begin(), ordered.end());
        EXPECT_EQ(ordered, (std::vector<std::string>{"cloudflare", "mullvad", "quad9"}));
    }
}

TEST_F(ResolverSharderTest, NoResolversGiveNothing) {
    EXPECT_TRUE(sharder.order("example.com", {}).empty());
    EXPECT_EQ(sharder.shardOf("example.com", {}), "");
    const std::vector<std::string> one{"only"};
    EXPECT_EQ(sharder.order("example.com", one), one);
}

TEST_F(ResolverSharderTest, EachOfThreeResolversGetsAboutAThird) {
    std::map<std::string, int> share;
    for (const auto& domain : domains) {
        ++share[sharder.shardOf(domain, resolvers)];
    }
    ASSERT_EQ(share.size(), resolvers.size());
    for (const auto& [resolver, count] : share) {
        const double fraction = static_cast<double>(count) / static_cast<double>(domains.size());
        EXPECT_GE(fraction, 0.25) << resolver;
        EXPECT_LE(fraction, 0.42) << resolver;
    }
}

TEST_F(ResolverSharderTest, RemovingAResolverMovesOnlyItsDomains) {
    for (const auto& gone : resolvers) {
        const auto remaining = without(resolvers, gone);
        int moved = 0;
        for (const auto& domain : domains) {
            const auto before = sharder.order(domain, resolvers);
            const std::string after = sharder.shardOf(domain, remaining);
            if (before.front() != gone) {
                EXPECT_EQ(after, before.front()) << domain << " moved though " << gone << " left";
                continue;
            }
            // The failover the caller used while `gone` was unhealthy is where it now lives.
            EXPECT_EQ(after, before[1]) << domain;
            ++moved;
        }
        EXPECT_GT(moved, 0);
        EXPECT_LT(moved, static_cast<int>(domains.size()) / 2);
    }
}

TEST_F(ResolverSharderTest, SkippingAnUnhealthyResolverKeepsTheOthersOrder) {
    for (const auto& domain : domains) {
        const auto all = sharder.order(domain, resolvers);
        for (const auto& unhealthy : resolvers) {
            EXPECT_EQ(sharder.order(domain, without(resolvers, unhealthy)),
                      without(all, unhealthy));
        }
    }
}

TEST_F(ResolverSharderTest, AddingAResolverOnlyTakesDomainsForItself) {
    auto more = resolvers;
    more.emplace_back("adguard");
    int taken = 0;
    for (const auto& domain : domains) {
        const std::string before = sharder.shardOf(domain, resolvers);
        const std::string after = sharder.shardOf(domain, more);
        if (after != before) {
            EXPECT_EQ(after, "adguard") << domain;
            ++taken;
        }
    }
    // About a quarter of the domains.
    EXPECT_GT(taken, static_cast<int>(domains.size()) / 5);
    EXPECT_LT(taken, static_cast<int>(domains.size()) / 3);
}

TEST_F(ResolverSharderTest, SimilarIdsAndDomainsAreNotConfused) {
    // id "ab" + domain "c.example" must not weigh like id "a" + domain "bc.example".
    const std::vector<std::string> ids{"a", "ab"};
    int differ = 0;
    for (const auto& domain : domains) {
        const auto ordered = sharder.order(domain, ids);
        differ += ordered.front() == "a" ? 0 : 1;
    }
    EXPECT_GT(differ, 1200);
    EXPECT_LT(differ, 1800);
}

// One character per domain, the index of its resolver: what a process computes.
std::string mappingOf(const ResolverSharder& sharder, const std::vector<std::string>& resolvers,
                      const std::vector<std::string>& domains) {
    std::string mapping;
    for (const auto& domain : domains) {
        const std::string shard = sharder.shardOf(domain, resolvers);
        const auto index = std::find(resolvers.begin(), resolvers.end(), shard) - resolvers.begin();
        mapping += static_cast<char>('0' + index);
    }
    return mapping;
}

TEST_F(ResolverSharderTest, AnotherProcessComputesTheSameMapping) {
    // The "threadsafe" death test style runs the statement in a freshly exec'd copy of this
    // binary (new address space layout, new process): anything seeded per process or
    // address-dependent would give a different mapping there.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const std::vector<std::string> sample(domains.begin(), domains.begin() + 300);
    const std::string mapping = mappingOf(sharder, resolvers, sample);
    EXPECT_EXIT(
        {
            std::fprintf(stderr, "mapping=%s;\n", mappingOf(sharder, resolvers, sample).c_str());
            std::fflush(stderr);
            std::_Exit(0);
        },
        testing::ExitedWithCode(0), "mapping=" + mapping + ";");
}

} // namespace
} // namespace mamori::dns
