// The DNS codec on hand-assembled packets: real queries and responses (as dig and unbound write
// them), compression, every parse error with its reason and offset, the stub's error responses,
// EDNS padding sizes and id rewriting.
#include "dns/DnsMessage.h"

#include <cstdint>
#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <vector>

namespace mamori::dns {
namespace {

using Bytes = std::vector<uint8_t>;

// Builds packets byte by byte, so each test shows the wire layout it checks.
class Packet {
public:
    Packet& u8(uint8_t value) {
        bytes_.push_back(value);
        return *this;
    }
    Packet& u16(uint16_t value) { return u8(static_cast<uint8_t>(value >> 8)).u8(value & 0xFF); }
    Packet& u32(uint32_t value) {
        return u16(static_cast<uint16_t>(value >> 16)).u16(value & 0xFFFF);
    }
    Packet& raw(std::initializer_list<uint8_t> values) {
        bytes_.insert(bytes_.end(), values);
        return *this;
    }
    Packet& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an = 0, uint16_t ns = 0,
                   uint16_t ar = 0) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    // Labels as given (case kept), then the root.
    Packet& name(const std::string& dotted) {
        std::string label;
        for (char c : dotted + ".") {
            if (c == '.') {
                if (!label.empty()) {
                    u8(static_cast<uint8_t>(label.size()));
                    bytes_.insert(bytes_.end(), label.begin(), label.end());
                }
                label.clear();
            } else {
                label += c;
            }
        }
        return u8(0);
    }
    Packet& pointer(uint16_t target) { return u16(static_cast<uint16_t>(0xC000 | target)); }
    Packet& question(const std::string& dotted, uint16_t type) {
        return name(dotted).u16(type).u16(kClassIn);
    }
    // The fixed part of a record after its name.
    Packet& record(uint16_t type, uint16_t rclass, uint32_t ttl, uint16_t rdlength) {
        return u16(type).u16(rclass).u32(ttl).u16(rdlength);
    }
    Packet& opt(uint16_t udpSize, uint32_t ttl, const std::vector<EdnsOption>& options) {
        std::size_t length = 0;
        for (const auto& option : options) {
            length += 4 + option.data.size();
        }
        u8(0).record(rrtype::OPT, udpSize, ttl, static_cast<uint16_t>(length));
        for (const auto& option : options) {
            u16(option.code).u16(static_cast<uint16_t>(option.data.size()));
            bytes_.insert(bytes_.end(), option.data.begin(), option.data.end());
        }
        return *this;
    }
    std::size_t size() const { return bytes_.size(); }
    const Bytes& bytes() const { return bytes_; }

private:
    Bytes bytes_;
};

const EdnsOption kCookie{10, {1, 2, 3, 4, 5, 6, 7, 8}};

// `dig example.com` as it leaves the machine: RD+AD, EDNS with a client cookie.
Bytes digQuery() {
    return Packet()
        .header(0x1234, 0x0120, 1, 0, 0, 1)
        .question("example.com", rrtype::A)
        .opt(1232, 0, {kCookie})
        .bytes();
}

const EdnsOption* findOption(const Message& message, uint16_t code) {
    for (const auto& option : message.edns->options) {
        if (option.code == code) {
            return &option;
        }
    }
    return nullptr;
}

TEST(DnsMessage, ParsesDigQuery) {
    const Bytes query = digQuery();
    ASSERT_EQ(query.size(), 52u);
    const Message m = parse(query);
    EXPECT_EQ(m.id, 0x1234);
    EXPECT_FALSE(m.qr);
    EXPECT_EQ(m.opcode, 0);
    EXPECT_TRUE(m.rd);
    EXPECT_TRUE(m.ad);
    EXPECT_FALSE(m.aa || m.tc || m.ra || m.cd);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0], (Question{"example.com", rrtype::A, kClassIn}));
    EXPECT_EQ(m.additionalCount, 1);
    ASSERT_TRUE(m.edns);
    EXPECT_EQ(m.edns->udpSize, 1232);
    EXPECT_EQ(m.edns->version, 0);
    EXPECT_FALSE(m.edns->do_);
    ASSERT_EQ(m.edns->options.size(), 1u);
    EXPECT_EQ(m.edns->options[0], kCookie);
    EXPECT_EQ(m.length, query.size());
}

// A resolver's answer: CNAME then A and AAAA, owner names compressed against the question.
TEST(DnsMessage, ParsesCompressedAnswers) {
    Packet p;
    p.header(0xBEEF, 0x8180, 1, 3, 0, 1).question("www.Example.COM", rrtype::A);
    p.pointer(12).record(rrtype::CNAME, kClassIn, 300, 6).raw({3, 'c', 'd', 'n'}).pointer(16);
    const auto cdn = static_cast<uint16_t>(p.size() - 6);
    p.pointer(cdn).record(rrtype::A, kClassIn, 60, 4).raw({192, 0, 2, 7});
    p.pointer(cdn).record(rrtype::AAAA, kClassIn, 60, 16);
    p.raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53});
    p.opt(1232, 0x00008000, {});
    const Message m = parse(p.bytes());
    EXPECT_TRUE(m.qr);
    EXPECT_TRUE(m.ra);
    EXPECT_EQ(m.rcode, rcode::NoError);
    EXPECT_EQ(m.questions[0].name, "www.example.com");
    ASSERT_EQ(m.answers.size(), 3u);
    EXPECT_EQ(m.answers[0].name, "www.example.com");
    EXPECT_EQ(m.answers[0].type, rrtype::CNAME);
    EXPECT_EQ(m.answers[0].ttl, 300u);
    EXPECT_EQ(m.answers[0].rdata, (Bytes{3, 'c', 'd', 'n', 0xC0, 16}));
    EXPECT_EQ(m.answers[0].address, "");
    EXPECT_EQ(m.answers[1].name, "cdn.example.com");
    EXPECT_EQ(m.answers[1].address, "192.0.2.7");
    EXPECT_EQ(m.answers[2].name, "cdn.example.com");
    EXPECT_EQ(m.answers[2].address, "2001:db8::53");
    ASSERT_TRUE(m.edns);
    EXPECT_TRUE(m.edns->do_);
}

struct NameCase {
    Bytes wire; // the name as it appears after the header
    std::string text;
};

class NameText : public testing::TestWithParam<NameCase> {};

TEST_P(NameText, IsFoldedAndEscaped) {
    Packet p;
    p.header(1, 0, 1);
    for (uint8_t b : GetParam().wire) {
        p.u8(b);
    }
    p.u16(rrtype::A).u16(kClassIn);
    const Message m = parse(p.bytes());
    EXPECT_EQ(m.questions[0].name, GetParam().text);
    // The text form is also what buildQuery reads back.
    const Message again = parse(buildQuery(m.questions[0].name, rrtype::A, 1));
    EXPECT_EQ(again.questions[0].name, GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    DnsMessage, NameText,
    testing::Values(NameCase{{0}, ""}, NameCase{{3, 'W', 'W', 'W', 0}, "www"},
                    NameCase{{4, '_', 'a', '-', '9', 3, 'O', 'r', 'G', 0}, "_a-9.org"},
                    NameCase{{3, 'a', '.', 'b', 0}, "a\\046b"},
                    NameCase{{2, 'a', ' ', 0}, "a\\032"}, NameCase{{1, '*', 0}, "\\042"},
                    NameCase{{2, 0xFF, 0x00, 0}, "\\255\\000"},
                    NameCase{{2, '\\', '"', 0}, "\\092\\034"}));

struct ErrorCase {
    std::string title;
    Bytes packet;
    std::string reason; // a prefix of DnsParseError::reason()
    std::size_t offset;
};

std::ostream& operator<<(std::ostream& out, const ErrorCase& c) {
    return out << c.title;
}

// An answer whose owner is a chain of `hops` pointers kept in the rdata of a first answer.
Bytes pointerChain(int hops) {
    Packet p;
    p.header(1, 0x8000, 1, 2).question("", rrtype::A);
    p.u8(0).record(99, kClassIn, 0, static_cast<uint16_t>(2 * (hops - 1)));
    uint16_t previous = 12; // the question's root name
    for (int i = 0; i < hops - 1; ++i) {
        const auto here = static_cast<uint16_t>(p.size());
        p.pointer(previous);
        previous = here;
    }
    p.pointer(previous).record(rrtype::A, kClassIn, 0, 4).raw({192, 0, 2, 1});
    return p.bytes();
}

Bytes longName() {
    Packet p;
    p.header(1, 0, 1);
    for (int i = 0; i < 4; ++i) {
        p.u8(63);
        for (int j = 0; j < 63; ++j) {
            p.u8('a');
        }
    }
    return p.u8(0).u16(rrtype::A).u16(kClassIn).bytes();
}

std::vector<ErrorCase> errorCases() {
    const auto q = [] { return Packet().header(1, 0, 1); };
    const auto answer = [] { return Packet().header(1, 0x8000, 1, 1).question("a.b", rrtype::A); };
    const auto additional = [] {
        return Packet().header(1, 0x8000, 1, 0, 0, 2).question("a", rrtype::A);
    };
    return {
        {"empty", {}, "truncated header", 0},
        {"five bytes", {1, 2, 3, 4, 5}, "truncated header", 5},
        {"no question", q().bytes(), "truncated name", 12},
        {"question without type", q().name("a").u8(0).bytes(), "truncated question", 15},
        {"label cut off", q().raw({5, 'a', 'b'}).bytes(), "truncated label", 12},
        {"label length 64", q().raw({0x40, 'a'}).bytes(), "label longer than 63", 12},
        {"label type 0x80", q().raw({0x80}).bytes(), "label longer than 63", 12},
        {"pointer to itself", q().pointer(12).bytes(), "compression loop", 12},
        {"forward pointer", q().pointer(14).u8(0).bytes(), "compression loop", 12},
        {"pointer into header",
         Packet().header(1, 0, 2).question("a", rrtype::A).pointer(3).u16(1).u16(1).bytes(),
         "compression pointer into the header", 19},
        // The 65th pointer is the first of the chain, at the start of the first answer's rdata.
        {"pointer chain of 65", pointerChain(65), "more than 64 compression pointers", 28},
        {"name of 256 bytes", longName(), "name longer than 255", 204},
        {"many records", Packet().header(1, 0, 300, 300).bytes(), "too many records: 600", 4},
        {"record cut off", answer().pointer(12).u16(rrtype::A).bytes(), "truncated record", 25},
        {"rdata cut off", answer().pointer(12).record(rrtype::A, 1, 0, 4).u8(1).bytes(),
         "truncated rdata", 33},
        {"A with 5 bytes",
         answer().pointer(12).record(rrtype::A, 1, 0, 5).raw({1, 2, 3, 4, 5}).bytes(),
         "A record with 5-byte rdata", 33},
        {"AAAA with 4 bytes",
         answer().pointer(12).record(rrtype::AAAA, 1, 0, 4).raw({1, 2, 3, 4}).bytes(),
         "AAAA record with 4-byte rdata", 33},
        {"OPT in answers", answer().opt(512, 0, {}).bytes(), "OPT record outside", 21},
        {"two OPT", additional().opt(512, 0, {}).opt(512, 0, {}).bytes(), "more than one OPT", 30},
        {"OPT with a name",
         Packet()
             .header(1, 0, 1, 0, 0, 1)
             .question("a", rrtype::A)
             .name("a")
             .record(rrtype::OPT, 512, 0, 0)
             .bytes(),
         "OPT record with a non-root name", 19},
        {"EDNS option cut off",
         Packet()
             .header(1, 0, 1, 0, 0, 1)
             .question("a", rrtype::A)
             .u8(0)
             .record(rrtype::OPT, 512, 0, 6)
             .u16(10)
             .u16(8)
             .u16(0)
             .bytes(),
         "truncated EDNS option", 30},
        {"EDNS option header cut off",
         Packet()
             .header(1, 0, 1, 0, 0, 1)
             .question("a", rrtype::A)
             .u8(0)
             .record(rrtype::OPT, 512, 0, 2)
             .u16(10)
             .bytes(),
         "truncated EDNS option", 30},
        {"pointer past itself",
         // The second name points at the first question's type (3), read as a 3-byte label that
         // would cover the pointer itself.
         Packet().header(1, 0, 2).name("a").u16(3).u16(1).pointer(16).u16(1).u16(1).bytes(),
         "compressed name runs past its pointer", 16},
    };
}

class ParseErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrors, NameReasonAndOffset) {
    try {
        parse(GetParam().packet);
        FAIL() << "parsed";
    } catch (const DnsParseError& e) {
        EXPECT_EQ(e.reason().rfind(GetParam().reason, 0), 0u) << e.what();
        EXPECT_EQ(e.offset(), GetParam().offset) << e.what();
        EXPECT_NE(std::string(e.what()).find("at byte " + std::to_string(e.offset())),
                  std::string::npos);
    }
}

INSTANTIATE_TEST_SUITE_P(DnsMessage, ParseErrors, testing::ValuesIn(errorCases()),
                         [](const auto& info) {
                             std::string name;
                             for (char c : info.param.title) {
                                 name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                             }
                             return name;
                         });

TEST(DnsMessage, AcceptsPointerChainOf64) {
    const Message m = parse(pointerChain(64));
    ASSERT_EQ(m.answers.size(), 2u);
    EXPECT_EQ(m.answers[1].address, "192.0.2.1");
}

TEST(DnsMessage, IgnoresTrailingBytes) {
    Bytes query = digQuery();
    const std::size_t length = query.size();
    query.insert(query.end(), {0xDE, 0xAD});
    const Message m = parse(query);
    EXPECT_EQ(m.length, length);
    EXPECT_EQ(stripPadding(query).size(), length);
}

TEST(DnsMessage, BuildsQueries) {
    const Bytes query = buildQuery("Example.COM.", rrtype::AAAA, 0xABCD, false);
    const Bytes expected =
        Packet().header(0xABCD, 0, 1).question("Example.COM", rrtype::AAAA).bytes();
    EXPECT_EQ(query, expected);
    const Message m = parse(buildQuery("example.com", rrtype::A, 7));
    EXPECT_TRUE(m.rd);
    EXPECT_EQ(m.questions[0], (Question{"example.com", rrtype::A, kClassIn}));
    EXPECT_EQ(parse(buildQuery(".", rrtype::NS, 1)).questions[0].name, "");
    EXPECT_EQ(parse(buildQuery("a\\.b.c", rrtype::A, 1)).questions[0].name, "a\\046b.c");
}

TEST(DnsMessage, RejectsBadQueryNames) {
    const std::string label63(63, 'a');
    EXPECT_NO_THROW(buildQuery(label63 + ".com", rrtype::A, 1));
    const std::string name255 =
        label63 + "." + label63 + "." + label63 + "." + std::string(61, 'a');
    EXPECT_NO_THROW(buildQuery(name255, rrtype::A, 1));
    for (const std::string& bad :
         {std::string("a..b"), std::string(".a"), label63 + "a.com", name255 + "a",
          std::string("a\\"), std::string("a\\25"), std::string("a\\256")}) {
        EXPECT_THROW(buildQuery(bad, rrtype::A, 1), std::invalid_argument) << bad;
    }
}

TEST(DnsMessage, ServfailKeepsIdQuestionAndFlags) {
    const Bytes query = Packet()
                            .header(0x4242, 0x0110, 1, 0, 0, 1) // RD, CD
                            .question("WwW.Example.org", rrtype::HTTPS)
                            .opt(4096, 0x00008000, {kCookie})
                            .bytes();
    const Bytes answer = servfail(query);
    const Message m = parse(answer);
    EXPECT_EQ(m.id, 0x4242);
    EXPECT_TRUE(m.qr);
    EXPECT_TRUE(m.rd);
    EXPECT_TRUE(m.ra);
    EXPECT_TRUE(m.cd);
    EXPECT_FALSE(m.aa || m.tc || m.ad);
    EXPECT_EQ(m.rcode, rcode::ServFail);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0], (Question{"www.example.org", rrtype::HTTPS, kClassIn}));
    // The question is echoed with the client's case (0x20 randomisation).
    EXPECT_EQ(Bytes(answer.begin() + 12, answer.begin() + 12 + 17),
              Bytes(query.begin() + 12, query.begin() + 12 + 17));
    ASSERT_TRUE(m.edns);
    EXPECT_EQ(m.edns->udpSize, kStubUdpSize);
    EXPECT_TRUE(m.edns->do_);
    EXPECT_TRUE(m.edns->options.empty());
    EXPECT_EQ(m.answerCount + m.authorityCount, 0);
}

TEST(DnsMessage, ErrorResponsesWithoutEdns) {
    const Bytes query = buildQuery("gone.example", rrtype::A, 9);
    const Message nx = parse(nxdomain(query));
    EXPECT_EQ(nx.rcode, rcode::NXDomain);
    EXPECT_FALSE(nx.edns);
    EXPECT_EQ(nx.additionalCount, 0);
    EXPECT_EQ(nx.questions[0].name, "gone.example");
    EXPECT_EQ(parse(refused(query)).rcode, rcode::Refused);
    EXPECT_FALSE(parse(buildQuery("a", rrtype::A, 1, false)).rd);
    EXPECT_FALSE(parse(servfail(buildQuery("a", rrtype::A, 1, false))).rd);
    EXPECT_THROW(servfail(Bytes{1, 2, 3}), DnsParseError);
}

// 300 questions, each a 2-byte pointer to one 250-byte name, would expand to 76 KB.
TEST(DnsMessage, ErrorResponseLeavesOutQuestionsThatDoNotFit) {
    Packet p;
    p.header(5, 0x0100, 300);
    for (int i = 0; i < 5; ++i) {
        p.u8(49);
        for (int j = 0; j < 49; ++j) {
            p.u8('a');
        }
    }
    p.u8(0).u16(rrtype::A).u16(kClassIn);
    for (int i = 1; i < 300; ++i) {
        p.pointer(12).u16(rrtype::A).u16(kClassIn);
    }
    ASSERT_EQ(parse(p.bytes()).questions.size(), 300u);
    const Bytes answer = servfail(p.bytes());
    EXPECT_EQ(answer.size(), 12u);
    const Message m = parse(answer);
    EXPECT_EQ(m.id, 5);
    EXPECT_EQ(m.rcode, rcode::ServFail);
    EXPECT_TRUE(m.questions.empty());
}

struct PadCase {
    std::string name; // the query name; its length sets the unpadded size
    std::size_t unpaddedSize;
    std::size_t paddedSize;
};

class PadQuery : public testing::TestWithParam<PadCase> {};

TEST_P(PadQuery, ReachesTheBlockSize) {
    const Bytes query = buildQuery(GetParam().name, rrtype::A, 1);
    ASSERT_EQ(query.size(), GetParam().unpaddedSize);
    const Bytes padded = padQuery(query);
    EXPECT_EQ(padded.size(), GetParam().paddedSize);
    const Message m = parse(padded);
    EXPECT_EQ(m.questions[0].name, GetParam().name);
    EXPECT_EQ(m.additionalCount, 1);
    ASSERT_TRUE(m.edns);
    EXPECT_EQ(m.edns->udpSize, kStubUdpSize);
    ASSERT_EQ(m.edns->options.size(), 1u);
    EXPECT_EQ(m.edns->options[0].code, kEdnsPaddingOption);
    EXPECT_EQ(m.edns->options[0].data, Bytes(GetParam().paddedSize - query.size() - 15, 0));
    EXPECT_EQ(padQuery(padded), padded); // stable when already padded
}

// 33 + 11 (OPT) + 4 (option header) = 48 → 128; 113 + 15 = 128 exactly (no padding bytes);
// 114 + 15 = 129 → 256.
INSTANTIATE_TEST_SUITE_P(
    DnsMessage, PadQuery,
    testing::Values(PadCase{"www.example.com", 33, 128},
                    PadCase{std::string(63, 'a') + "." + std::string(31, 'b'), 113, 128},
                    PadCase{std::string(63, 'a') + "." + std::string(32, 'b'), 114, 256},
                    PadCase{"", 17, 128}));

TEST(DnsMessage, PadKeepsOtherOptionsAndResizesPadding) {
    const Bytes padded = padQuery(digQuery(), 128);
    ASSERT_EQ(padded.size(), 128u);
    const Message m = parse(padded);
    EXPECT_EQ(m.additionalCount, 1);
    EXPECT_EQ(m.edns->udpSize, 1232);
    EXPECT_EQ(m.edns->options[0], kCookie);
    ASSERT_NE(findOption(m, kEdnsPaddingOption), nullptr);
    // Re-padding to another block replaces the option instead of adding a second one.
    const Bytes repadded = padQuery(padded, 64);
    EXPECT_EQ(repadded.size(), 64u);
    EXPECT_EQ(parse(repadded).edns->options.size(), 2u);
    EXPECT_THROW(padQuery(digQuery(), 0), std::invalid_argument);
}

TEST(DnsMessage, PadResponseOnlyWithEdns) {
    const Bytes query = digQuery();
    const Bytes withOpt = servfail(query);
    const Bytes padded = padResponse(withOpt);
    EXPECT_EQ(padded.size(), 468u);
    EXPECT_EQ(parse(padded).rcode, rcode::ServFail);
    const Bytes withoutOpt = servfail(buildQuery("example.com", rrtype::A, 1));
    EXPECT_EQ(padResponse(withoutOpt), withoutOpt);
}

TEST(DnsMessage, StripPaddingKeepsTheRest) {
    const Bytes query = digQuery();
    const Bytes padded = padQuery(query);
    EXPECT_EQ(stripPadding(padded), query);
    EXPECT_EQ(stripPadding(query), query);
    const Bytes bare = buildQuery("example.com", rrtype::A, 1);
    const Message stripped = parse(stripPadding(padQuery(bare)));
    ASSERT_TRUE(stripped.edns); // the OPT record stays, empty
    EXPECT_TRUE(stripped.edns->options.empty());
}

// A TSIG after the OPT signs the bytes before it: padding would break the signature.
TEST(DnsMessage, SignedMessagesStayUnpadded) {
    const Bytes signed_ = Packet()
                              .header(1, 0, 1, 0, 0, 2)
                              .question("example.com", rrtype::A)
                              .opt(1232, 0, {{kEdnsPaddingOption, {0, 0}}})
                              .name("key")
                              .record(250, 255, 0, 2)
                              .raw({0, 0})
                              .bytes();
    EXPECT_EQ(padQuery(signed_), signed_);
    EXPECT_EQ(stripPadding(signed_), signed_);
}

TEST(DnsMessage, NoPaddingBeyond65535) {
    Packet p;
    p.header(1, 0x8000, 1, 1, 0, 1).question("a", rrtype::TXT);
    p.pointer(12).record(rrtype::TXT, kClassIn, 0, 65000);
    const Bytes rdata(65000, 'x');
    Bytes big = p.bytes();
    big.insert(big.end(), rdata.begin(), rdata.end());
    Packet opt;
    opt.opt(1232, 0, {});
    big.insert(big.end(), opt.bytes().begin(), opt.bytes().end());
    // 65042 bytes + 4 for the option header: 468-byte blocks still fit (65052), 4096 not.
    ASSERT_EQ(big.size(), 65042u);
    EXPECT_EQ(padResponse(big, 468).size(), 65052u);
    EXPECT_EQ(padResponse(big, 4096), big);
}

TEST(DnsMessage, IdRewriting) {
    Bytes query = digQuery();
    EXPECT_EQ(idOf(query), 0x1234);
    setId(query, 0xFFFE);
    EXPECT_EQ(idOf(query), 0xFFFE);
    EXPECT_EQ(parse(query).id, 0xFFFE);
    Bytes shortBytes{1, 2};
    EXPECT_THROW(idOf(shortBytes), DnsParseError);
    EXPECT_THROW(setId(shortBytes, 1), DnsParseError);
}

TEST(DnsMessage, FormerrAndNotimpNeedOnlyTheHeader) {
    // QDCOUNT says 1 but no question follows: unparsable, still answerable.
    const Bytes broken = Packet().header(0x0BAD, 0x0100, 1).bytes();
    ASSERT_THROW(parse(broken), DnsParseError);
    const Message bad = parse(formerr(broken));
    EXPECT_EQ(bad.id, 0x0BAD);
    EXPECT_TRUE(bad.qr);
    EXPECT_TRUE(bad.rd);
    EXPECT_TRUE(bad.ra);
    EXPECT_EQ(bad.opcode, 0);
    EXPECT_EQ(bad.rcode, rcode::FormErr);
    EXPECT_TRUE(bad.questions.empty());
    EXPECT_FALSE(bad.edns);

    // Opcode 2 (STATUS), RD clear: the opcode comes back, RD stays clear.
    const Bytes status = Packet().header(0x5157, 2 << 11, 0).bytes();
    const Message notImplemented = parse(notimp(status));
    EXPECT_EQ(notImplemented.id, 0x5157);
    EXPECT_EQ(notImplemented.opcode, 2);
    EXPECT_FALSE(notImplemented.rd);
    EXPECT_EQ(notImplemented.rcode, rcode::NotImp);
    EXPECT_EQ(notimp(status).size(), 12u);

    EXPECT_THROW(formerr(Bytes{1, 2, 3}), DnsParseError);
    EXPECT_THROW(notimp(Bytes{}), DnsParseError);
}

TEST(DnsMessage, TruncatedResponseKeepsHeaderAndQuestionOnly) {
    Packet p;
    p.header(0x7777, 0x8180, 1, 2, 0, 1).question("Big.Example", rrtype::TXT);
    p.pointer(12).record(rrtype::TXT, kClassIn, 60, 4).raw({3, 'a', 'b', 'c'});
    p.pointer(12).record(rrtype::TXT, kClassIn, 60, 4).raw({3, 'd', 'e', 'f'});
    p.opt(4096, 0x01008000, {kCookie}); // extended rcode 1, DO
    const Bytes answer = truncatedResponse(p.bytes());
    const Message m = parse(answer);
    EXPECT_EQ(m.id, 0x7777);
    EXPECT_TRUE(m.qr);
    EXPECT_TRUE(m.tc);
    EXPECT_TRUE(m.rd);
    EXPECT_TRUE(m.ra);
    EXPECT_EQ(m.answerCount + m.authorityCount, 0);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0], (Question{"big.example", rrtype::TXT, kClassIn}));
    EXPECT_EQ(Bytes(answer.begin() + 12, answer.begin() + 12 + 13),
              Bytes(p.bytes().begin() + 12, p.bytes().begin() + 12 + 13));
    ASSERT_TRUE(m.edns);
    EXPECT_EQ(m.edns->udpSize, kStubUdpSize);
    EXPECT_EQ(m.edns->extendedRcode, 1);
    EXPECT_TRUE(m.edns->do_);
    EXPECT_TRUE(m.edns->options.empty());

    // Applied to a query (no EDNS): QR and TC set, no OPT added.
    const Message fromQuery = parse(truncatedResponse(buildQuery("a.example", rrtype::A, 3)));
    EXPECT_TRUE(fromQuery.qr && fromQuery.tc && fromQuery.rd);
    EXPECT_FALSE(fromQuery.edns);
    EXPECT_EQ(fromQuery.questions.size(), 1u);
    EXPECT_THROW(truncatedResponse(Bytes{1, 2, 3}), DnsParseError);
}

} // namespace
} // namespace mamori::dns
