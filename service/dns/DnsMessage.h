// The DNS wire format (RFC 1035, EDNS(0) RFC 6891, padding RFC 7830/8467) as far as the stub
// resolver and the DoH monitor need it: a bounded parser for hostile input, a query builder, the
// stub's own error responses, padding, and id rewriting for pipelined upstream connections.
//
// Decisions worth knowing:
// - Bytes after the last record are not an error (forwarding must not break on a sloppy peer):
//   `Message::length` says where the message ended. Functions that return rewritten bytes drop
//   them.
// - Work is bounded whatever the input: at most 512 records, 64 compression pointers per name,
//   names of at most 255 bytes; every record is checked, only answer records are kept.
// - Names are lower-cased and dotted without the trailing dot ("" is the root); a byte outside
//   [a-z0-9-_] is written as \DDD (decimal), so "a.b" inside one label reads "a\046b".
// - A message whose OPT record is not the last one (a TSIG or SIG(0) follows) is signed: padding
//   functions return it unchanged rather than break the signature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

// Record types and response codes this code base names; all others are plain numbers.
namespace rrtype {
constexpr uint16_t A = 1;
constexpr uint16_t NS = 2;
constexpr uint16_t CNAME = 5;
constexpr uint16_t SOA = 6;
constexpr uint16_t PTR = 12;
constexpr uint16_t MX = 15;
constexpr uint16_t TXT = 16;
constexpr uint16_t AAAA = 28;
constexpr uint16_t OPT = 41;
constexpr uint16_t HTTPS = 65;
} // namespace rrtype

namespace rcode {
constexpr uint8_t NoError = 0;
constexpr uint8_t FormErr = 1;
constexpr uint8_t ServFail = 2;
constexpr uint8_t NXDomain = 3;
constexpr uint8_t NotImp = 4;
constexpr uint8_t Refused = 5;
} // namespace rcode

constexpr uint16_t kClassIn = 1;
constexpr uint16_t kEdnsPaddingOption = 12;
constexpr std::size_t kMaxRecords = 512;
constexpr int kMaxPointerHops = 64;
// What the stub advertises in the OPT records it writes (DNS flag day 2020).
constexpr uint16_t kStubUdpSize = 1232;

// A message the parser refused: `reason()` says why, `offset()` where (a byte index into it).
class DnsParseError : public std::runtime_error {
public:
    DnsParseError(const std::string& reason, std::size_t offset);
    const std::string& reason() const { return reason_; }
    std::size_t offset() const { return offset_; }

private:
    std::string reason_;
    std::size_t offset_;
};

struct Question {
    std::string name;
    uint16_t type = 0;
    uint16_t qclass = kClassIn;

    bool operator==(const Question&) const = default;
};

struct EdnsOption {
    uint16_t code = 0;
    std::vector<uint8_t> data;

    bool operator==(const EdnsOption&) const = default;
};

struct Edns {
    uint16_t udpSize = 0;
    uint8_t extendedRcode = 0; // the upper 8 bits of the 12-bit rcode
    uint8_t version = 0;
    bool do_ = false; // DNSSEC OK
    std::vector<EdnsOption> options;
};

// One answer record; rdata stays raw except that A/AAAA addresses are also given as text.
struct ResourceRecord {
    std::string name;
    uint16_t type = 0;
    uint16_t rclass = kClassIn;
    uint32_t ttl = 0;
    std::vector<uint8_t> rdata;
    std::string address; // "192.0.2.1" / "2001:db8::1" for A/AAAA, else empty
};

struct Message {
    uint16_t id = 0;
    bool qr = false;
    uint8_t opcode = 0;
    bool aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
    uint8_t rcode = 0; // the header's 4 bits; with EDNS the full code adds extendedRcode << 4
    std::vector<Question> questions;
    std::vector<ResourceRecord> answers;
    uint16_t answerCount = 0, authorityCount = 0, additionalCount = 0; // as in the header
    std::optional<Edns> edns;
    std::size_t length = 0; // bytes up to the end of the last record
};

// Throws DnsParseError; never reads outside `bytes`, bounded work (see above).
Message parse(std::span<const uint8_t> bytes);

// A query for `name` (dotted, trailing dot optional, \DDD and \X escapes as parse() writes them).
// Throws std::invalid_argument for empty labels, labels over 63 or names over 255 bytes.
std::vector<uint8_t> buildQuery(std::string_view name, uint16_t type, uint16_t id, bool rd = true);

// The stub's own answers to `query`: id, opcode, questions, RD and CD echoed; QR and RA set; an
// OPT record (our UDP size, the client's DO bit, no options) when the query had one. Questions
// that would expand past 65535 bytes (hundreds of compressed ones) are left out. Throws
// DnsParseError when the query cannot be parsed (there is nothing to answer then).
std::vector<uint8_t> servfail(std::span<const uint8_t> query);
std::vector<uint8_t> nxdomain(std::span<const uint8_t> query);
std::vector<uint8_t> refused(std::span<const uint8_t> query);

// EDNS(0) padding (RFC 7830) to a multiple of `block` bytes with the RFC 8467 block sizes.
// padQuery adds an OPT record when the query has none; padResponse pads only a response that
// has one (a client without EDNS must not get an OPT back). An existing padding option is
// resized. Signed messages, results over 65535 bytes or over kMaxRecords records stay unpadded.
// Throws DnsParseError for unparsable input, std::invalid_argument for block 0.
std::vector<uint8_t> padQuery(std::span<const uint8_t> message, std::size_t block = 128);
std::vector<uint8_t> padResponse(std::span<const uint8_t> message, std::size_t block = 468);
// Removes the padding option (stub → a client that did not pad); the OPT record itself stays.
std::vector<uint8_t> stripPadding(std::span<const uint8_t> message);

// The header id; both throw DnsParseError("truncated header") for less than 12 bytes.
uint16_t idOf(std::span<const uint8_t> message);
void setId(std::span<uint8_t> message, uint16_t id);

// The stub's answers to a query it will not forward, built from the 12-byte header alone because
// such a query may not parse: id, opcode and RD echoed, QR and RA set, no questions, no records.
// FORMERR for a malformed query, NOTIMP for an opcode other than QUERY. Both throw
// DnsParseError("truncated header") for less than 12 bytes.
std::vector<uint8_t> formerr(std::span<const uint8_t> query);
std::vector<uint8_t> notimp(std::span<const uint8_t> query);

// What a UDP client gets instead of an answer too large for it (RFC 7766: it retries over TCP):
// the header of `message` with QR and TC set and no records, its questions, and an OPT record (our
// UDP size, its extended rcode and DO bit, no options) when it had one. Questions that would
// expand past 65535 bytes are left out. Throws DnsParseError when `message` cannot be parsed.
std::vector<uint8_t> truncatedResponse(std::span<const uint8_t> message);

} // namespace mamori::dns
