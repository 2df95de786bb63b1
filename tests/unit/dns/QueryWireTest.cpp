// The upstream transports' private wire helpers: id, TC, question matching, random ids.
#include "dns/upstream/QueryWire.h"

#include <gtest/gtest.h>
#include <set>
#include <string>

namespace mamori::dns::wire {
namespace {

std::vector<uint8_t> query(const std::string& name, bool withOpt) {
    std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1,
                              0,    0,    0,    0,    0, static_cast<uint8_t>(withOpt ? 1 : 0)};
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        q.push_back(static_cast<uint8_t>(dot - start));
        q.insert(q.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                 name.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    q.push_back(0);
    q.insert(q.end(), {0, 1, 0, 1});
    if (withOpt) {
        // OPT with one (cookie-like) option of 8 bytes, code 10
        q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8});
        q.insert(q.end(), 8, 0xab);
    }
    return q;
}

TEST(QueryWireTest, IdIsReadAndWritten) {
    auto q = query("example.com", false);
    EXPECT_EQ(idOf(q), 0x1234);
    setId(q, 0xbeef);
    EXPECT_EQ(idOf(q), 0xbeef);
    EXPECT_FALSE(isTruncated(q));
    q[2] |= 0x02;
    EXPECT_TRUE(isTruncated(q));
}

TEST(QueryWireTest, QuestionsMatchIgnoringCase) {
    EXPECT_TRUE(sameQuestion(query("Example.COM", false), query("example.com", true)));
    EXPECT_FALSE(sameQuestion(query("example.com", false), query("example.org", false)));
    auto otherType = query("example.com", false);
    otherType[otherType.size() - 3] = 28;
    EXPECT_FALSE(sameQuestion(query("example.com", false), otherType));
    EXPECT_FALSE(question(std::vector<uint8_t>(5, 0)).has_value());
}

TEST(QueryWireTest, RandomIdsVary) {
    std::set<uint16_t> ids;
    for (int i = 0; i < 64; ++i) {
        ids.insert(randomId());
    }
    EXPECT_GT(ids.size(), 48u); // 64 draws from 65536 values rarely collide much
}

TEST(QueryWireTest, ForeignQuestionsAndShortMessagesDoNotMatch) {
    const auto q = query("example.com", false);
    EXPECT_FALSE(sameQuestion(q, std::vector<uint8_t>(q.begin(), q.begin() + 14)));
    EXPECT_EQ(idOf(std::vector<uint8_t>{1}), 0);
}

} // namespace
} // namespace mamori::dns::wire
