// The DoH monitor's decoder on real byte streams: HTTP/1.1 requests written by hand, HTTP/2
// frames around header blocks from nghttp2's own HPACK deflater, DNS queries from buildQuery.
// Every exchange is fed once call by call and once byte by byte: the split must not change
// what the user is told (verdict, questions, counters). Also missing bytes, garbage, bounds.
//
// With MAMORI_WRITE_DOH_CORPUS=<dir> set, the seed exchanges are also written to <dir> in the
// input format of tests/fuzz/DohStreamDecoderFuzzer.cpp (that is how the seeds of
// tests/fuzz/corpus/doh_stream were made).
#include "dns/doh/DohStreamDecoder.h"

#include "common/Errors.h"
#include "dns/DnsMessage.h"
#include "dns/doh/Base64Url.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <new>
#include <nghttp2/nghttp2.h>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamori::dns {

// Readable failures (gtest finds these by argument-dependent lookup).
void PrintTo(const DohCounters& c, std::ostream* os) {
    *os << "{requests " << c.requests << ", doh " << c.dohRequests << ", questions " << c.questions
        << ", responses " << c.responses << ", dohResponses " << c.dohResponses << ", malformed "
        << c.malformed << ", lost " << c.lostRequests << ", cancelled " << c.cancelled
        << ", desyncs " << c.desyncs << ", truncatedCalls " << c.truncatedCalls << ", missing "
        << c.bytesMissing << ", skipped " << c.bytesSkipped << ", dropped " << c.questionsDropped
        << "}";
}

void PrintTo(const DohQuestion& q, std::ostream* os) {
    *os << "{" << q.qname << " type " << q.qtype << (q.http2 ? " h2 " : " h1 ") << q.method << " "
        << q.authority << q.path << "}";
}

namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytesOf(std::string_view text) {
    return {text.begin(), text.end()};
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// One SSL_write or SSL_read as the kernel reports it: the bytes copied and how many more the
// call carried.
struct Call {
    bool write = true;
    Bytes bytes;
    uint32_t missing = 0;
};
using Exchange = std::vector<Call>;

Call w(Bytes bytes, uint32_t missing = 0) {
    return {true, std::move(bytes), missing};
}
Call r(Bytes bytes, uint32_t missing = 0) {
    return {false, std::move(bytes), missing};
}

struct Outcome {
    DohStreamDecoder::Verdict verdict = DohStreamDecoder::Verdict::Undecided;
    bool stopped = false;
    std::vector<DohQuestion> questions;
    DohCounters counters;
};

void feed(DohStreamDecoder& decoder, const Call& call, std::span<const uint8_t> bytes,
          uint32_t missing) {
    const auto total = static_cast<uint32_t>(bytes.size()) + missing;
    if (call.write) {
        decoder.onWrite(bytes, total);
    } else {
        decoder.onRead(bytes, total);
    }
}

Outcome finish(DohStreamDecoder& decoder, std::vector<DohQuestion> questions) {
    auto rest = decoder.takeQuestions();
    questions.insert(questions.end(), rest.begin(), rest.end());
    return {decoder.verdict(), decoder.stopped(), std::move(questions), decoder.counters()};
}

Outcome runWhole(const Exchange& exchange) {
    DohStreamDecoder decoder;
    std::vector<DohQuestion> questions;
    for (const auto& call : exchange) {
        feed(decoder, call, call.bytes, call.missing);
        auto taken = decoder.takeQuestions();
        questions.insert(questions.end(), taken.begin(), taken.end());
    }
    return finish(decoder, std::move(questions));
}

// Each copied byte its own call; the last one carries the call's missing bytes.
Outcome runByteByByte(const Exchange& exchange) {
    DohStreamDecoder decoder;
    for (const auto& call : exchange) {
        const std::span<const uint8_t> bytes(call.bytes);
        if (bytes.empty()) {
            feed(decoder, call, bytes, call.missing);
        }
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            feed(decoder, call, bytes.subspan(i, 1), i + 1 == bytes.size() ? call.missing : 0);
        }
    }
    return finish(decoder, {});
}

// Runs the exchange whole and byte by byte, checks both tell the same, returns it. Where
// decoding gave up, how many bytes of that call count as skipped depends on where the call
// ended; everything else must match.
Outcome run(const Exchange& exchange) {
    Outcome whole = runWhole(exchange);
    const Outcome bytewise = runByteByByte(exchange);
    EXPECT_EQ(whole.verdict, bytewise.verdict);
    EXPECT_EQ(whole.stopped, bytewise.stopped);
    EXPECT_EQ(whole.questions, bytewise.questions);
    DohCounters expected = whole.counters;
    if (whole.stopped || whole.counters.desyncs > 0) {
        expected.bytesSkipped = bytewise.counters.bytesSkipped;
    }
    EXPECT_EQ(expected, bytewise.counters);
    return whole;
}

std::vector<std::string> namesOf(const Outcome& outcome) {
    std::vector<std::string> names;
    for (const auto& question : outcome.questions) {
        names.push_back(question.qname);
    }
    return names;
}

Bytes query(std::string_view name, uint16_t type = rrtype::A, uint16_t id = 0) {
    return buildQuery(name, type, id);
}

// ---- HTTP/1.1 by hand ----

Bytes http1Get(std::string_view host, const Bytes& message, std::string_view extra = "") {
    return bytesOf("GET /dns-query?dns=" + base64url::encode(message) + std::string(extra) +
                   " HTTP/1.1\r\nHost: " + std::string(host) +
                   "\r\nAccept: application/dns-message\r\n\r\n");
}

Bytes http1Post(std::string_view host, const Bytes& message) {
    return bytesOf("POST /dns-query HTTP/1.1\r\nHost: " + std::string(host) +
                   "\r\nContent-Type: application/dns-message\r\nContent-Length: " +
                   std::to_string(message.size()) + "\r\n\r\n") +
           message;
}

Bytes http1Answer(const Bytes& message) {
    const Bytes answer = nxdomain(message);
    return bytesOf("HTTP/1.1 200 OK\r\nContent-Type: application/dns-message\r\nContent-Length: " +
                   std::to_string(answer.size()) + "\r\n\r\n") +
           answer;
}

// ---- HTTP/2: frames by hand, header blocks by nghttp2's deflater ----

using Fields = std::vector<std::pair<std::string, std::string>>;

class HpackEncoder {
public:
    explicit HpackEncoder(std::size_t maxTableSize = 4096) {
        nghttp2_hd_deflater* deflater = nullptr;
        if (nghttp2_hd_deflate_new(&deflater, maxTableSize) != 0) {
            throw std::bad_alloc();
        }
        deflater_.reset(deflater);
    }

    Bytes encode(const Fields& fields) {
        std::vector<nghttp2_nv> nva;
        for (const auto& [name, value] : fields) {
            nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                           reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                           value.size(), NGHTTP2_NV_FLAG_NONE});
        }
        Bytes block(nghttp2_hd_deflate_bound(deflater_.get(), nva.data(), nva.size()));
        const auto n = nghttp2_hd_deflate_hd(deflater_.get(), block.data(), block.size(),
                                             nva.data(), nva.size());
        EXPECT_GE(n, 0);
        block.resize(static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        return block;
    }

    // What the encoder does once the peer's SETTINGS_HEADER_TABLE_SIZE applies.
    void followTableSize(std::size_t size) {
        EXPECT_EQ(nghttp2_hd_deflate_change_table_size(deflater_.get(), size), 0);
    }

private:
    struct Free {
        void operator()(nghttp2_hd_deflater* deflater) const { nghttp2_hd_deflate_del(deflater); }
    };
    std::unique_ptr<nghttp2_hd_deflater, Free> deflater_;
};

constexpr uint8_t kData = 0x0, kHeaders = 0x1, kRstStream = 0x3, kSettings = 0x4,
                  kPushPromise = 0x5, kPing = 0x6, kWindowUpdate = 0x8, kContinuation = 0x9;
constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4, kPadded = 0x8, kPriority = 0x20;

const Bytes kPreface = bytesOf("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

Bytes frame(uint8_t type, uint8_t flags, uint32_t stream, const Bytes& payload) {
    const auto length = static_cast<uint32_t>(payload.size());
    Bytes out{static_cast<uint8_t>(length >> 16),
              static_cast<uint8_t>(length >> 8),
              static_cast<uint8_t>(length),
              type,
              flags,
              static_cast<uint8_t>(stream >> 24),
              static_cast<uint8_t>(stream >> 16),
              static_cast<uint8_t>(stream >> 8),
              static_cast<uint8_t>(stream)};
    return out + payload;
}

Bytes u32(uint32_t value) {
    return {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
            static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

Bytes settings(const std::vector<std::pair<uint16_t, uint32_t>>& values = {}) {
    Bytes payload;
    for (const auto& [id, value] : values) {
        payload.push_back(static_cast<uint8_t>(id >> 8));
        payload.push_back(static_cast<uint8_t>(id));
        payload = payload + u32(value);
    }
    return frame(kSettings, 0, 0, payload);
}

Bytes settingsAck() {
    return frame(kSettings, kAck, 0, {});
}
Bytes windowUpdate(uint32_t stream) {
    return frame(kWindowUpdate, 0, stream, u32(1 << 20));
}

// HEADERS (END_HEADERS) with optional padding and priority fields.
Bytes headers(uint32_t stream, const Bytes& block, bool endStream, uint8_t padding = 0,
              bool priority = false) {
    Bytes payload;
    uint8_t flags = kEndHeaders | (endStream ? kEndStream : 0);
    if (padding > 0) {
        flags |= kPadded;
        payload.push_back(padding);
    }
    if (priority) {
        flags |= kPriority;
        payload = payload + u32(0) + Bytes{15};
    }
    payload = payload + block + Bytes(padding, 0);
    return frame(kHeaders, flags, stream, payload);
}

// The block cut into `pieces`: HEADERS, then CONTINUATION frames, the last with END_HEADERS.
Bytes headersWithContinuation(uint32_t stream, const Bytes& block, bool endStream, int pieces) {
    const std::size_t size = (block.size() + pieces - 1) / pieces;
    Bytes out;
    for (int i = 0; i < pieces; ++i) {
        const std::size_t begin = std::min(block.size(), i * size);
        const std::size_t end = std::min(block.size(), begin + size);
        const Bytes piece(block.begin() + static_cast<std::ptrdiff_t>(begin),
                          block.begin() + static_cast<std::ptrdiff_t>(end));
        const bool last = i + 1 == pieces;
        if (i == 0) {
            out = out + frame(kHeaders, (endStream ? kEndStream : 0) | (last ? kEndHeaders : 0),
                              stream, piece);
        } else {
            out = out + frame(kContinuation, last ? kEndHeaders : 0, stream, piece);
        }
    }
    return out;
}

Bytes data(uint32_t stream, const Bytes& payload, bool endStream, uint8_t padding = 0) {
    if (padding == 0) {
        return frame(kData, endStream ? kEndStream : 0, stream, payload);
    }
    return frame(kData, kPadded | (endStream ? kEndStream : 0), stream,
                 Bytes{padding} + payload + Bytes(padding, 0));
}

Fields getFields(std::string_view authority, const Bytes& message) {
    return {{":method", "GET"},
            {":scheme", "https"},
            {":authority", std::string(authority)},
            {":path", "/dns-query?dns=" + base64url::encode(message)},
            {"accept", "application/dns-message"}};
}

Fields postFields(std::string_view authority, const Bytes& message) {
    return {{":method", "POST"},
            {":scheme", "https"},
            {":authority", std::string(authority)},
            {":path", "/dns-query"},
            {"accept", "application/dns-message"},
            {"content-type", "application/dns-message"},
            {"content-length", std::to_string(message.size())}};
}

Fields answerFields(std::size_t length) {
    return {{":status", "200"},
            {"content-type", "application/dns-message"},
            {"content-length", std::to_string(length)}};
}

// Both ends of one HTTP/2 connection: the client's and the server's encoder, and the calls.
class H2 {
public:
    // The usual opening: preface and SETTINGS both ways, each acknowledged.
    explicit H2(std::size_t clientTable = 4096, std::size_t serverTable = 4096)
        : client(clientTable)
        , server(serverTable) {
        calls.push_back(w(kPreface + settings({{0x3, 100}, {0x4, 65535}}) + windowUpdate(0)));
        calls.push_back(r(settings({{0x3, 128}}) + settingsAck()));
        calls.push_back(w(settingsAck()));
    }

    void get(uint32_t stream, std::string_view name, std::string_view authority = "dns.example") {
        calls.push_back(w(headers(stream, client.encode(getFields(authority, query(name))), true)));
    }
    void post(uint32_t stream, std::string_view name, std::string_view authority = "dns.example") {
        const Bytes message = query(name);
        calls.push_back(w(headers(stream, client.encode(postFields(authority, message)), false) +
                          data(stream, message, true)));
    }
    void answer(uint32_t stream, std::string_view name) {
        const Bytes response = nxdomain(query(name));
        calls.push_back(r(headers(stream, server.encode(answerFields(response.size())), false) +
                          data(stream, response, true)));
    }

    HpackEncoder client;
    HpackEncoder server;
    Exchange calls;
};

// ---- what the user is told ----

TEST(DohStreamDecoder, Http1GetAsksItsQuestion) {
    const Outcome outcome = run({w(http1Get("dns.example", query("Example.COM", rrtype::AAAA))),
                                 r(http1Answer(query("example.com", rrtype::AAAA)))});
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    ASSERT_EQ(outcome.questions.size(), 1U);
    const DohQuestion& q = outcome.questions.front();
    EXPECT_EQ(q.qname, "example.com");
    EXPECT_EQ(q.qtype, rrtype::AAAA);
    EXPECT_FALSE(q.http2);
    EXPECT_EQ(q.method, "GET");
    EXPECT_EQ(q.authority, "dns.example");
    EXPECT_EQ(q.path, "/dns-query");
    EXPECT_EQ(outcome.counters.requests, 1U);
    EXPECT_EQ(outcome.counters.dohRequests, 1U);
    EXPECT_EQ(outcome.counters.responses, 1U);
    EXPECT_EQ(outcome.counters.dohResponses, 1U);
    EXPECT_EQ(outcome.counters.malformed, 0U);
}

// The forms of HTTP/1.1 DoH requests clients send; each asks "a.example".
struct Http1Form {
    const char* name;
    Bytes request;
};

std::string hex(std::size_t value, bool upper) {
    std::string digits;
    do {
        const auto digit = static_cast<int>(value % 16);
        digits.insert(
            digits.begin(),
            static_cast<char>(digit < 10 ? '0' + digit : (upper ? 'A' : 'a') + digit - 10));
        value /= 16;
    } while (value > 0);
    return digits;
}

Bytes chunkedPost(const Bytes& message) {
    const std::size_t half = message.size() / 2;
    const std::string size1 = hex(half, false);
    const std::string size2 = hex(message.size() - half, true);
    return bytesOf("POST /q HTTP/1.1\r\nhost: dns.example\r\ntransfer-encoding: chunked\r\n"
                   "content-type: Application/DNS-Message; charset=binary\r\n\r\n" +
                   std::string(size1) + ";ext=1\r\n") +
           Bytes(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(half)) +
           bytesOf("\r\n" + std::string(size2) + "\r\n") +
           Bytes(message.begin() + static_cast<std::ptrdiff_t>(half), message.end()) +
           bytesOf("\r\n0\r\nx-trailer: 1\r\n\r\n");
}

std::vector<Http1Form> http1Forms() {
    const Bytes message = query("a.example", rrtype::HTTPS, 0x1234);
    std::string padded = base64url::encode(message);
    while (padded.size() % 4 != 0) {
        padded += '=';
    }
    std::string percentPadded = base64url::encode(message);
    while (percentPadded.size() % 4 != 0) {
        percentPadded += "%3D";
    }
    return {
        {"Get", http1Get("dns.example", message)},
        {"GetWithMoreParameters",
         bytesOf("GET /dns-query?ct=application/dns-message&dns=" + base64url::encode(message) +
                 "&x=1 HTTP/1.1\r\nHost: dns.example\r\n\r\n")},
        {"GetPadded",
         bytesOf("GET /dns-query?dns=" + padded + " HTTP/1.1\r\nHost: dns.example\r\n\r\n")},
        {"GetPercentEncodedPadding",
         bytesOf("GET /dns-query?dns=" + percentPadded + " HTTP/1.1\r\nHost: dns.example\r\n\r\n")},
        {"GetBareLineFeeds", bytesOf("GET /dns-query?dns=" + base64url::encode(message) +
                                     " HTTP/1.0\nHost: dns.example\n\n")},
        {"Post", http1Post("dns.example", message)},
        {"PostChunked", chunkedPost(message)},
        {"PostFoldedHeader",
         bytesOf("POST /dns-query HTTP/1.1\r\nHost: dns.example\r\nX-Long: a\r\n  b\r\n"
                 "Content-Type: application/dns-message\r\nContent-Length: " +
                 std::to_string(message.size()) + "\r\n\r\n") +
             message},
    };
}

class Http1Forms : public ::testing::TestWithParam<Http1Form> {};

TEST_P(Http1Forms, AskTheirQuestion) {
    const Outcome outcome = run({w(GetParam().request)});
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"a.example"});
    ASSERT_EQ(outcome.questions.size(), 1U);
    EXPECT_EQ(outcome.questions[0].qtype, rrtype::HTTPS);
    EXPECT_EQ(outcome.questions[0].authority, "dns.example");
    EXPECT_EQ(outcome.counters.malformed, 0U);
}

INSTANTIATE_TEST_SUITE_P(All, Http1Forms, ::testing::ValuesIn(http1Forms()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DohStreamDecoder, Http1PipelinedAndKeepAliveRequestsAreEachDecoded) {
    const Outcome outcome = run(
        {w(http1Post("dns.example", query("one.example")) +
           http1Get("dns.example", query("two.example")) +
           http1Post("dns.example", query("three.example"))),
         r(http1Answer(query("one.example")) + http1Answer(query("two.example"))),
         r(http1Answer(query("three.example"))), w(http1Get("dns.example", query("four.example"))),
         r(http1Answer(query("four.example")))});
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"one.example", "two.example",
                                                          "three.example", "four.example"}));
    EXPECT_EQ(outcome.counters.requests, 4U);
    EXPECT_EQ(outcome.counters.responses, 4U);
    EXPECT_EQ(outcome.counters.dohResponses, 4U);
}

TEST(DohStreamDecoder, Http2GetAndPostAskTheirQuestions) {
    H2 h2;
    h2.get(1, "get.example");
    h2.answer(1, "get.example");
    h2.post(3, "post.example", "other.example");
    h2.answer(3, "post.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    ASSERT_EQ(outcome.questions.size(), 2U);
    EXPECT_EQ(outcome.questions[0],
              (DohQuestion{"get.example", rrtype::A, true, "GET", "dns.example", "/dns-query"}));
    EXPECT_EQ(outcome.questions[1], (DohQuestion{"post.example", rrtype::A, true, "POST",
                                                 "other.example", "/dns-query"}));
    EXPECT_EQ(outcome.counters.dohResponses, 2U);
    EXPECT_EQ(outcome.counters.malformed, 0U);
    EXPECT_EQ(outcome.counters.desyncs, 0U);
}

// The probes arrived while the connection was open (mamorid's default scope attaches them after
// the client's first DoH connect): the first call seen is frames in the middle of the stream,
// with HPACK references to a dynamic table nobody saw built. Request bodies still tell: DoH
// POSTs are read, GETs (whose query is in the unreadable header block) are not. Only whole
// calls here: a connection is recognised as joined by a first call that is whole frames, and
// the kernel copies calls whole.
TEST(DohStreamDecoder, Http2JoinedMidConnectionReadsThePostBodies) {
    H2 h2;
    h2.post(1, "before.example");
    h2.answer(1, "before.example");
    const auto joinedAt = static_cast<std::ptrdiff_t>(h2.calls.size());
    h2.post(3, "first-seen.example");
    h2.answer(3, "first-seen.example");
    h2.get(5, "unreadable-get.example");
    h2.post(7, "second-seen.example");
    const Outcome outcome = runWhole(Exchange(h2.calls.begin() + joinedAt, h2.calls.end()));
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    EXPECT_FALSE(outcome.stopped);
    EXPECT_EQ(namesOf(outcome),
              (std::vector<std::string>{"first-seen.example", "second-seen.example"}));
    EXPECT_EQ(outcome.questions[0],
              (DohQuestion{"first-seen.example", rrtype::A, true, "POST", "", ""}))
        << "method by RFC 8484 (a body), authority and path unknown";
    EXPECT_EQ(outcome.counters.malformed, 0U);
}

TEST(DohStreamDecoder, Http2JoinedMidConnectionWithOtherBodiesIsNotDoh) {
    H2 h2;
    h2.post(1, "before.example");
    const auto joinedAt = static_cast<std::ptrdiff_t>(h2.calls.size());
    const Bytes json = bytesOf(R"({"query": "www.example.com"})");
    h2.calls.push_back(w(headers(3,
                                 h2.client.encode({{":method", "POST"},
                                                   {":scheme", "https"},
                                                   {":authority", "api.example"},
                                                   {":path", "/v1/items"},
                                                   {"content-type", "application/json"}}),
                                 false) +
                         data(3, json, true)));
    h2.post(5, "after.example");
    const Outcome outcome = runWhole(Exchange(h2.calls.begin() + joinedAt, h2.calls.end()));
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::NotDoh);
    EXPECT_TRUE(outcome.stopped);
    EXPECT_TRUE(outcome.questions.empty());
}

TEST(DohStreamDecoder, Http1AndGarbageAreNeverTakenForJoinedHttp2) {
    const Outcome http1 = runWhole({w(http1Post("dns.example", query("one.example")))});
    EXPECT_EQ(namesOf(http1), (std::vector<std::string>{"one.example"}));
    EXPECT_EQ(http1.verdict, DohStreamDecoder::Verdict::Doh);
    // Nine bytes that look like a frame header but promise more than the call holds.
    const Outcome cut = runWhole({w(Bytes{0, 0, 50, 0, 1, 0, 0, 0, 1, 'x'})});
    EXPECT_EQ(cut.verdict, DohStreamDecoder::Verdict::NotDoh);
}

TEST(DohStreamDecoder, Http2InterleavedStreamsAreReassembledEach) {
    H2 h2;
    const Bytes a = query("alpha.example");
    const Bytes b = query("beta.example", rrtype::AAAA);
    const Bytes c = query("gamma.example", rrtype::TXT);
    auto piece = [](const Bytes& m, std::size_t from, std::size_t to) {
        return Bytes(m.begin() + static_cast<std::ptrdiff_t>(from),
                     m.begin() + static_cast<std::ptrdiff_t>(std::min(to, m.size())));
    };
    // Three POSTs whose heads and bodies alternate, a GET in the middle, bodies in pieces.
    // (The blocks are encoded in separate statements: the encoder's order is the wire order.)
    const Bytes headA = h2.client.encode(postFields("dns.example", a));
    const Bytes headB = h2.client.encode(postFields("dns.example", b));
    h2.calls.push_back(w(headers(1, headA, false) + headers(3, headB, false) +
                         data(3, piece(b, 0, 5), false) + data(1, piece(a, 0, 7), false)));
    h2.calls.push_back(w(headers(5, h2.client.encode(postFields("dns.example", c)), false) +
                         data(5, piece(c, 0, 3), false) + data(1, piece(a, 7, 100), true)));
    h2.get(7, "delta.example");
    h2.calls.push_back(w(data(5, piece(c, 3, 100), true) + data(3, piece(b, 5, 100), true)));
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"alpha.example", "delta.example",
                                                          "gamma.example", "beta.example"}));
    EXPECT_EQ(outcome.questions[3].qtype, rrtype::AAAA);
    EXPECT_EQ(outcome.counters.dohRequests, 4U);
}

TEST(DohStreamDecoder, Http2HuffmanAndDynamicTableReferencesDecode) {
    H2 h2;
    const Bytes first = h2.client.encode(getFields("resolver.dns.example", query("one.example")));
    const Bytes second = h2.client.encode(getFields("resolver.dns.example", query("two.example")));
    // Huffman: the authority is not in the block as plain text; the second request refers to
    // the fields the first put into the dynamic table, so its block is much shorter.
    const std::string_view authority = "resolver.dns.example";
    EXPECT_EQ(std::search(first.begin(), first.end(), authority.begin(), authority.end()),
              first.end());
    EXPECT_LT(second.size() * 10, first.size() * 7);
    h2.calls.push_back(w(headers(1, first, true)));
    h2.calls.push_back(w(headers(3, second, true)));
    h2.post(5, "three.example", "resolver.dns.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome),
              (std::vector<std::string>{"one.example", "two.example", "three.example"}));
    for (const auto& question : outcome.questions) {
        EXPECT_EQ(question.authority, "resolver.dns.example");
    }
}

TEST(DohStreamDecoder, Http2PaddedPriorityAndContinuationFramesDecode) {
    H2 h2;
    const Bytes message = query("padded.example");
    h2.calls.push_back(
        w(headers(1, h2.client.encode(getFields("dns.example", message)), true, 17, true)));
    h2.calls.push_back(
        w(headers(3, h2.client.encode(postFields("dns.example", message)), false, 0, true) +
          data(3, message, true, 40)));
    h2.calls.push_back(w(headersWithContinuation(
        5, h2.client.encode(getFields("dns.example", query("continued.example"))), true, 4)));
    const Bytes post = query("continued-post.example");
    h2.calls.push_back(
        w(headersWithContinuation(7, h2.client.encode(postFields("dns.example", post)), false, 3) +
          data(7, post, true, 3)));
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome),
              (std::vector<std::string>{"padded.example", "padded.example", "continued.example",
                                        "continued-post.example"}));
    EXPECT_EQ(outcome.counters.malformed, 0U);
}

TEST(DohStreamDecoder, Http2FollowsTheServersHeaderTableSize) {
    // The server allows a larger table: the client's encoder, once it acknowledged, announces
    // the new size at the start of its next block. Unless the decoder follows the server's
    // SETTINGS, that update exceeds the size it knows and nothing decodes.
    H2 h2(8192);
    h2.get(1, "before.example");
    h2.calls.push_back(r(settings({{0x1, 8192}})));
    h2.calls.push_back(w(settingsAck()));
    h2.client.followTableSize(8192);
    h2.get(3, "larger.example");
    // Then a smaller one: the encoder must evict down to it (and say so).
    h2.calls.push_back(r(settings({{0x1, 256}})));
    h2.calls.push_back(w(settingsAck()));
    h2.client.followTableSize(256);
    h2.get(5, "smaller.example");
    h2.get(7, "smaller-again.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome),
              (std::vector<std::string>{"before.example", "larger.example", "smaller.example",
                                        "smaller-again.example"}));
    EXPECT_FALSE(outcome.stopped);
    EXPECT_EQ(outcome.counters.desyncs, 0U);
}

TEST(DohStreamDecoder, Http2EncoderIgnoringTheSettingsStopsDecodingAndSaysSo) {
    H2 h2(8192);
    h2.get(1, "before.example");
    h2.client.followTableSize(8192); // without the server having allowed it
    h2.get(3, "after.example");
    h2.get(5, "later.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"before.example"});
    EXPECT_TRUE(outcome.stopped);
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    EXPECT_EQ(outcome.counters.desyncs, 1U);
}

TEST(DohStreamDecoder, Http2ResponsesDecodeAfterTheClientShrinksTheServersTable) {
    // The client asks for no dynamic table for responses; the server, after acknowledging,
    // clears its table (a size update to 0) and then keeps indexing nothing.
    H2 h2;
    h2.calls.push_back(w(settings({{0x1, 0}})));
    h2.calls.push_back(r(settingsAck()));
    h2.server.followTableSize(0);
    h2.get(1, "a.example");
    h2.answer(1, "a.example");
    h2.get(3, "b.example");
    h2.answer(3, "b.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(outcome.counters.dohResponses, 2U);
    EXPECT_EQ(outcome.counters.desyncs, 0U);
}

TEST(DohStreamDecoder, Http2PushPromiseKeepsTheResponseTableInStep) {
    H2 h2;
    h2.get(1, "a.example");
    // A PUSH_PROMISE's block adds to the server's table; the response after it refers to it.
    const Bytes promise = h2.server.encode({{":method", "GET"},
                                            {":path", "/pushed"},
                                            {":authority", "dns.example"},
                                            {":scheme", "https"},
                                            {"content-type", "application/dns-message"}});
    h2.calls.push_back(r(frame(kPushPromise, kEndHeaders, 1, u32(2) + promise)));
    h2.answer(1, "a.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(outcome.counters.dohResponses, 1U);
    EXPECT_EQ(outcome.counters.desyncs, 0U);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"a.example"});
}

// ---- not DoH ----

struct NotDohCase {
    const char* name;
    Exchange calls;
};

std::vector<NotDohCase> notDohCases() {
    const Bytes message = query("a.example");
    H2 h2;
    h2.calls.push_back(w(headers(1,
                                 h2.client.encode({{":method", "GET"},
                                                   {":scheme", "https"},
                                                   {":authority", "www.example"},
                                                   {":path", "/index.html"}}),
                                 true)));
    h2.get(3, "late.example");
    H2 h2Post;
    h2Post.calls.push_back(w(headers(1,
                                     h2Post.client.encode({{":method", "POST"},
                                                           {":scheme", "https"},
                                                           {":authority", "www.example"},
                                                           {":path", "/dns-query"},
                                                           {"content-type", "application/json"}}),
                                     false) +
                             data(1, message, true)));
    return {
        {"Http1Page",
         {w(bytesOf("GET / HTTP/1.1\r\nHost: www.example\r\n\r\n")),
          w(http1Get("www.example", message))}},
        {"Http1PostOfJson",
         {w(bytesOf("POST /dns-query HTTP/1.1\r\nHost: www.example\r\nContent-Type: "
                    "application/json\r\nContent-Length: 2\r\n\r\n{}")),
          w(http1Post("www.example", message))}},
        {"Http1DnsParameterThatIsNoDnsMessage",
         {w(bytesOf("GET /search?dns=aGVsbG8 HTTP/1.1\r\nHost: www.example\r\n\r\n"))}},
        {"Http2Page", h2.calls},
        {"Http2PostOfJson", h2Post.calls},
        {"Imap", {w(bytesOf("a001 LOGIN user password\r\n"))}},
        {"Binary", {w(Bytes{0x16, 0x03, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'})}},
        {"AlmostThePreface", {w(bytesOf("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"))}},
    };
}

class NotDoh : public ::testing::TestWithParam<NotDohCase> {};

TEST_P(NotDoh, IsToldEarlyAndAsksNothing) {
    const Outcome outcome = run(GetParam().calls);
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::NotDoh);
    EXPECT_TRUE(outcome.stopped);
    EXPECT_TRUE(outcome.questions.empty());
    EXPECT_EQ(outcome.counters.questions, 0U);
}

INSTANTIATE_TEST_SUITE_P(All, NotDoh, ::testing::ValuesIn(notDohCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DohStreamDecoder, MebibyteNonDohBodyIsPassedOverWithoutBeingKept) {
    const std::string head = "POST /upload HTTP/1.1\r\nHost: www.example\r\nContent-Type: "
                             "application/octet-stream\r\nContent-Length: 1048576\r\n\r\n";
    DohStreamDecoder decoder;
    decoder.onWrite(bytesOf(head), static_cast<uint32_t>(head.size()));
    EXPECT_EQ(decoder.verdict(), DohStreamDecoder::Verdict::NotDoh);
    EXPECT_TRUE(decoder.stopped());
    // The body as the app writes it: 16 KiB calls, of which the kernel copies 4 KiB.
    const Bytes chunk(4096, 'x');
    for (int i = 0; i < 64; ++i) {
        decoder.onWrite(chunk, 16384);
    }
    EXPECT_EQ(decoder.counters().bytesSkipped + decoder.counters().bytesMissing, 1048576U);
    EXPECT_TRUE(decoder.takeQuestions().empty());

    // The same over HTTP/2: the first request decides before any of its DATA.
    H2 h2;
    DohStreamDecoder h2Decoder;
    for (const auto& call : h2.calls) {
        feed(h2Decoder, call, call.bytes, 0);
    }
    const Bytes upload = headers(1,
                                 h2.client.encode({{":method", "POST"},
                                                   {":scheme", "https"},
                                                   {":authority", "www.example"},
                                                   {":path", "/upload"},
                                                   {"content-type", "video/mp4"}}),
                                 false);
    h2Decoder.onWrite(upload, static_cast<uint32_t>(upload.size()));
    EXPECT_EQ(h2Decoder.verdict(), DohStreamDecoder::Verdict::NotDoh);
    const Bytes frameOf16k = data(1, Bytes(16384, 'y'), false);
    for (int i = 0; i < 64; ++i) {
        h2Decoder.onWrite(frameOf16k, static_cast<uint32_t>(frameOf16k.size()));
    }
    EXPECT_GE(h2Decoder.counters().bytesSkipped, 1048576U);
    EXPECT_TRUE(h2Decoder.takeQuestions().empty());
}

// ---- missing bytes ----

TEST(DohStreamDecoder, Http2MissingBytesInsideDataLoseOnlyThatRequest) {
    H2 h2;
    const Bytes big = query(std::string(60, 'a') + "." + std::string(60, 'b') + ".example");
    const Bytes frameBytes =
        headers(1, h2.client.encode(postFields("dns.example", big)), false) + data(1, big, true);
    // The call carried the whole DATA frame; the kernel copied only its first 20 payload bytes.
    const std::size_t cut = frameBytes.size() - big.size() + 20;
    h2.calls.push_back(
        w(Bytes(frameBytes.begin(), frameBytes.begin() + static_cast<std::ptrdiff_t>(cut)),
          static_cast<uint32_t>(frameBytes.size() - cut)));
    h2.post(3, "after.example");
    h2.get(5, "later.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"after.example", "later.example"}));
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    EXPECT_EQ(outcome.counters.lostRequests, 1U);
    EXPECT_EQ(outcome.counters.bytesMissing, big.size() - 20);
    EXPECT_FALSE(outcome.stopped);
}

TEST(DohStreamDecoder, Http2MissingBytesInsideAHeaderBlockStopDecoding) {
    H2 h2;
    h2.get(1, "first.example");
    const Bytes frameBytes =
        headers(3, h2.client.encode(getFields("dns.example", query("cut.example"))), true);
    h2.calls.push_back(w(Bytes(frameBytes.begin(), frameBytes.begin() + 15),
                         static_cast<uint32_t>(frameBytes.size() - 15)));
    h2.get(5, "never.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"first.example"});
    EXPECT_TRUE(outcome.stopped);
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    EXPECT_EQ(outcome.counters.desyncs, 1U);
}

TEST(DohStreamDecoder, Http2MissingBytesInServerDataKeepRequestsDecoding) {
    H2 h2;
    h2.get(1, "a.example");
    const Bytes response = Bytes(3000, 'z');
    const Bytes frameBytes = headers(1, h2.server.encode(answerFields(response.size())), false) +
                             data(1, response, true);
    h2.calls.push_back(r(Bytes(frameBytes.begin(), frameBytes.end() - 2500), 2500));
    h2.get(3, "b.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(outcome.counters.lostRequests, 0U);
}

TEST(DohStreamDecoder, Http1MissingBytesInsideABodyLoseOnlyThatRequest) {
    const Bytes message = query("cut.example");
    const Bytes post = http1Post("dns.example", message);
    const Outcome outcome = run({w(http1Get("dns.example", query("first.example"))),
                                 w(Bytes(post.begin(), post.end() - 10), 10),
                                 w(http1Post("dns.example", query("after.example")))});
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"first.example", "after.example"}));
    EXPECT_EQ(outcome.counters.lostRequests, 1U);
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
}

TEST(DohStreamDecoder, Http1MissingBytesInAHeadResynchroniseAtTheNextRequest) {
    // Byte by byte would make every byte a call start, so this one is fed call by call.
    const Bytes first = http1Post("dns.example", query("first.example"));
    const Outcome outcome = runWhole(
        {w(first),
         w(Bytes(first.begin(), first.begin() + 30), static_cast<uint32_t>(first.size() - 30)),
         w(bytesOf("garbage that is no request\r\n\r\n")),
         w(http1Post("dns.example", query("third.example")))});
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"first.example", "third.example"}));
    EXPECT_EQ(outcome.counters.desyncs, 1U);
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
}

TEST(DohStreamDecoder, ADnsResponseTellsDohWhenTheRequestWasLost) {
    const Bytes get = http1Get("dns.example", query("lost.example"));
    const Outcome outcome =
        runWhole({w(Bytes(get.begin(), get.begin() + 10), static_cast<uint32_t>(get.size() - 10)),
                  r(http1Answer(query("lost.example")))});
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
    EXPECT_TRUE(outcome.questions.empty());
}

// ---- hostile input ----

TEST(DohStreamDecoder, Http2GarbageFramesAreCountedNotFatal) {
    H2 h2;
    h2.get(1, "a.example");
    h2.calls.push_back(w(frame(kPing, 0, 0, Bytes(3, 0)) +           // wrong length
                         frame(kContinuation, kEndHeaders, 9, {1}) + // no header block open
                         frame(kData, kPadded, 11, {200, 1, 2}) +    // padding past the end
                         frame(0xEE, 0, 0, Bytes(50, 0xAA)) +        // unknown type
                         frame(kRstStream, 0, 3, u32(8)) + frame(kSettings, 0, 0, Bytes(5, 0))));
    h2.post(3, "b.example");
    const Bytes notDns(10, 0xFF);
    h2.calls.push_back(w(headers(5, h2.client.encode(postFields("dns.example", notDns)), false) +
                         data(5, notDns, true)));
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(outcome.counters.malformed, 5U);
    EXPECT_FALSE(outcome.stopped);
}

TEST(DohStreamDecoder, Http2BrokenHpackStopsDecoding) {
    H2 h2;
    h2.get(1, "a.example");
    // Index 200 of an empty dynamic table.
    h2.calls.push_back(w(headers(3, {0xFF, 0x89, 0x01}, true)));
    h2.get(5, "b.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"a.example"});
    EXPECT_TRUE(outcome.stopped);
    EXPECT_EQ(outcome.counters.desyncs, 1U);
}

TEST(DohStreamDecoder, TruncatedStreamsDecodeWhatIsComplete) {
    H2 h2;
    h2.get(1, "a.example");
    const Bytes message = query("b.example");
    const Bytes post = headers(3, h2.client.encode(postFields("dns.example", message)), false) +
                       data(3, message, true);
    // The connection ends inside the last frame.
    h2.calls.push_back(w(Bytes(post.begin(), post.end() - 4)));
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"a.example"});
    EXPECT_EQ(outcome.verdict, DohStreamDecoder::Verdict::Doh);
}

TEST(DohStreamDecoder, Http2StreamsBeyondTheBoundAreDroppedAndCounted) {
    H2 h2;
    Bytes heads;
    Bytes bodies;
    const Bytes message = query("many.example");
    for (uint32_t i = 0; i < 101; ++i) {
        heads =
            heads + headers(1 + 2 * i, h2.client.encode(postFields("dns.example", message)), false);
        bodies = bodies + data(1 + 2 * i, message, true);
    }
    h2.calls.push_back(w(heads));
    h2.calls.push_back(w(bodies));
    // A body over 64 KiB, in DATA frames of 16 KiB.
    h2.calls.push_back(
        w(headers(301, h2.client.encode(postFields("dns.example", message)), false)));
    for (int i = 0; i < 5; ++i) {
        h2.calls.push_back(w(data(301, Bytes(16384, 0), i == 4)));
    }
    const Outcome outcome = runWhole(h2.calls);
    EXPECT_EQ(outcome.questions.size(), 100U);
    EXPECT_EQ(outcome.counters.malformed, 2U);
    EXPECT_FALSE(outcome.stopped);
}

TEST(DohStreamDecoder, Http2BodiesHeldAtOnceAreBoundedTogether) {
    // Five POSTs whose 60 KiB bodies (a query, then bytes the DNS parser ignores) are all open
    // at once: four fit in the connection's 256 KiB, the fifth is dropped.
    H2 h2;
    Bytes body = query("big.example");
    body.resize(std::size_t{60} * 1024);
    for (uint32_t stream = 1; stream <= 9; stream += 2) {
        h2.calls.push_back(
            w(headers(stream, h2.client.encode(postFields("dns.example", body)), false)));
    }
    for (uint32_t stream = 1; stream <= 9; stream += 2) {
        for (std::size_t offset = 0; offset < body.size(); offset += 16384) {
            const Bytes piece(
                body.begin() + static_cast<std::ptrdiff_t>(offset),
                body.begin() + static_cast<std::ptrdiff_t>(std::min(body.size(), offset + 16384)));
            h2.calls.push_back(w(data(stream, piece, false)));
        }
    }
    for (uint32_t stream = 1; stream <= 9; stream += 2) {
        h2.calls.push_back(w(data(stream, {}, true)));
    }
    const Outcome outcome = runWhole(h2.calls);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>(4, "big.example"));
    EXPECT_EQ(outcome.counters.malformed, 1U);
    EXPECT_GE(outcome.counters.bytesSkipped, body.size() - 16384);
}

TEST(DohStreamDecoder, ResetStreamsAreCountedCancelled) {
    H2 h2;
    const Bytes message = query("reset.example");
    h2.calls.push_back(w(headers(1, h2.client.encode(postFields("dns.example", message)), false) +
                         frame(kRstStream, 0, 1, u32(8))));
    h2.get(3, "b.example");
    const Outcome outcome = run(h2.calls);
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"b.example"});
    EXPECT_EQ(outcome.counters.cancelled, 1U);
}

TEST(DohStreamDecoder, BadDnsMessagesAreCountedMalformed) {
    const Bytes response = nxdomain(query("answer.example"));
    const Outcome outcome =
        run({w(http1Post("dns.example", query("good.example")) +
               http1Post("dns.example", Bytes{1, 2, 3}) + http1Post("dns.example", response) +
               bytesOf("GET /dns-query?dns=!!! HTTP/1.1\r\nHost: x\r\n\r\n"))});
    EXPECT_EQ(namesOf(outcome), std::vector<std::string>{"good.example"});
    EXPECT_EQ(outcome.counters.malformed, 3U);
    EXPECT_EQ(outcome.counters.dohRequests, 4U);
}

TEST(DohStreamDecoder, QuestionsAreTakenOnce) {
    DohStreamDecoder decoder;
    const Bytes first = http1Get("dns.example", query("one.example"));
    decoder.onWrite(first, static_cast<uint32_t>(first.size()));
    EXPECT_EQ(decoder.takeQuestions().size(), 1U);
    EXPECT_TRUE(decoder.takeQuestions().empty());
    const Bytes second = http1Get("dns.example", query("two.example"));
    decoder.onWrite(second, static_cast<uint32_t>(second.size()));
    const auto questions = decoder.takeQuestions();
    ASSERT_EQ(questions.size(), 1U);
    EXPECT_EQ(questions[0].qname, "two.example");
    EXPECT_EQ(decoder.counters().questions, 2U);
}

TEST(DohStreamDecoder, TotalLengthBelowTheBytesGivenIsRefused) {
    DohStreamDecoder decoder;
    const Bytes get = http1Get("dns.example", query("one.example"));
    try {
        decoder.onWrite(get, 5);
        FAIL() << "accepted a total length below the bytes given";
    } catch (const MamoriError& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidArgs);
        EXPECT_NE(std::string(error.what()).find("totalLength 5"), std::string::npos);
    }
    EXPECT_EQ(decoder.counters(), DohCounters{});
    EXPECT_EQ(decoder.protocol(), DohStreamDecoder::Protocol::Unknown);
    decoder.onWrite(get, static_cast<uint32_t>(get.size()));
    EXPECT_EQ(decoder.takeQuestions().size(), 1U);
}

TEST(DohStreamDecoder, DecodersMoveWithTheirState) {
    H2 h2;
    h2.get(1, "one.example");
    DohStreamDecoder decoder;
    for (const auto& call : h2.calls) {
        feed(decoder, call, call.bytes, 0);
    }
    DohStreamDecoder moved = std::move(decoder);
    const Bytes second =
        headers(3, h2.client.encode(getFields("dns.example", query("two.example"))), true);
    moved.onWrite(second, static_cast<uint32_t>(second.size()));
    const auto questions = moved.takeQuestions();
    ASSERT_EQ(questions.size(), 2U);
    EXPECT_EQ(questions[1].qname, "two.example");
}

TEST(Base64Url, EncodesAndDecodesTheRfc4648Vectors) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64url::encode(bytesOf(plain)), encoded);
        EXPECT_EQ(base64url::decode(encoded), bytesOf(plain));
    }
    EXPECT_EQ(base64url::encode(Bytes{0xFB, 0xFF}), "-_8");
    EXPECT_EQ(base64url::decode("-_8="), (Bytes{0xFB, 0xFF}));
    EXPECT_EQ(base64url::decode("Zg=="), bytesOf("f"));
    for (const char* bad : {"Z", "Zg=", "Zg===", "Zm9v!", "Zm+v", "Zm/v", "=Zg", "Zg=a"}) {
        EXPECT_FALSE(base64url::decode(bad).has_value()) << bad;
    }
}

// ---- fuzz seeds ----

// The fuzzer's input format: per call a control byte (bit 7: read, bit 6: cut, bits 0-5:
// length, 63 = two length bytes follow), two bytes of missing length - 1 when cut, the data.
Bytes fuzzInput(const Exchange& exchange) {
    Bytes out;
    for (const auto& call : exchange) {
        for (std::size_t offset = 0; offset < call.bytes.size() || offset == 0;) {
            const std::size_t n = std::min<std::size_t>(call.bytes.size() - offset, 65535);
            const bool last = offset + n == call.bytes.size();
            const bool cut = last && call.missing > 0;
            uint8_t control = (call.write ? 0 : 0x80) | (cut ? 0x40 : 0);
            if (n < 63) {
                out.push_back(control | static_cast<uint8_t>(n));
            } else {
                out.push_back(control | 63);
                out.push_back(static_cast<uint8_t>(n >> 8));
                out.push_back(static_cast<uint8_t>(n));
            }
            if (cut) {
                const uint32_t missing = std::min<uint32_t>(call.missing, 65536) - 1;
                out.push_back(static_cast<uint8_t>(missing >> 8));
                out.push_back(static_cast<uint8_t>(missing));
            }
            out.insert(out.end(), call.bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                       call.bytes.begin() + static_cast<std::ptrdiff_t>(offset + n));
            offset += n;
            if (n == 0) {
                break;
            }
        }
    }
    return out;
}

TEST(DohStreamDecoder, FuzzSeedExchangesDecode) {
    H2 h2;
    h2.get(1, "seed-get.example");
    h2.answer(1, "seed-get.example");
    h2.post(3, "seed-post.example");
    h2.calls.push_back(w(headersWithContinuation(
        5, h2.client.encode(getFields("dns.example", query("seed-cont.example"))), true, 2)));
    h2.answer(3, "seed-post.example");
    h2.answer(5, "seed-cont.example");
    const Exchange http1 = {w(http1Get("dns.example", query("seed-get.example"))),
                            r(http1Answer(query("seed-get.example"))),
                            w(http1Post("dns.example", query("seed-post.example"))),
                            r(http1Answer(query("seed-post.example"))),
                            w(chunkedPost(query("seed-chunked.example")))};
    EXPECT_EQ(
        namesOf(run(h2.calls)),
        (std::vector<std::string>{"seed-get.example", "seed-post.example", "seed-cont.example"}));
    EXPECT_EQ(namesOf(run(http1)),
              (std::vector<std::string>{"seed-get.example", "seed-post.example",
                                        "seed-chunked.example"}));
    // A write cut inside a DATA payload, then requests after it.
    H2 cut;
    const Bytes lost = query("seed-lost.example");
    const Bytes lostPost =
        headers(1, cut.client.encode(postFields("dns.example", lost)), false) + data(1, lost, true);
    cut.calls.push_back(w(Bytes(lostPost.begin(), lostPost.end() - 8), 8));
    cut.post(3, "seed-after.example");
    EXPECT_EQ(namesOf(run(cut.calls)), std::vector<std::string>{"seed-after.example"});
    const char* directory = std::getenv("MAMORI_WRITE_DOH_CORPUS");
    if (directory == nullptr) {
        return;
    }
    for (const auto& [name, exchange] :
         {std::pair{"http2-exchange", h2.calls}, std::pair{"http1-exchange", http1},
          std::pair{"http2-cut-data", cut.calls}}) {
        const Bytes input = fuzzInput(exchange);
        std::ofstream out(std::filesystem::path(directory) / name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(input.data()),
                  static_cast<std::streamsize>(input.size()));
        EXPECT_TRUE(out.good()) << directory;
    }
}

} // namespace
} // namespace mamori::dns
