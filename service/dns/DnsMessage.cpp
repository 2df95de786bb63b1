#include "dns/DnsMessage.h"

#include <arpa/inet.h>
#include <array>
#include <cstdio>

namespace mamori::dns {

DnsParseError::DnsParseError(const std::string& reason, std::size_t offset)
    : std::runtime_error(reason + " at byte " + std::to_string(offset))
    , reason_(reason)
    , offset_(offset) {}

namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxMessageSize = 65535;
// An OPT record without options: root name, type, class (UDP size), TTL (flags), rdlength.
constexpr std::size_t kOptFixedSize = 1 + 2 + 2 + 4 + 2;
constexpr std::size_t kOptionHeaderSize = 4;

enum class Section { Answer, Authority, Additional };

// A decoded name: the text form the API shows and the uncompressed wire form in its original
// case, which the responses echo (clients using 0x20 case randomisation compare it).
struct Name {
    std::string text;
    std::vector<uint8_t> wire;
};

// Where the OPT record sits and its raw fields, so that padding can rewrite just that record.
struct OptRecord {
    std::size_t start = 0;
    uint16_t rclass = 0;
    uint32_t ttl = 0;
};

// What the rewriting functions need besides the Message.
struct Layout {
    Message message;
    std::vector<std::vector<uint8_t>> questionWire;
    std::optional<OptRecord> opt;
    bool recordAfterOpt = false; // a TSIG/SIG(0) follows: the message is signed
    std::size_t records = 0;
};

uint16_t get16(std::span<const uint8_t> bytes, std::size_t at) {
    return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

void put16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}

void put32(std::vector<uint8_t>& out, uint32_t value) {
    put16(out, static_cast<uint16_t>(value >> 16));
    put16(out, static_cast<uint16_t>(value));
}

void set16(std::span<uint8_t> bytes, std::size_t at, uint16_t value) {
    bytes[at] = static_cast<uint8_t>(value >> 8);
    bytes[at + 1] = static_cast<uint8_t>(value);
}

std::string hexByte(uint8_t value) {
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "0x%02x", value);
    return text.data();
}

void appendLabelText(std::string& text, std::span<const uint8_t> label) {
    if (!text.empty()) {
        text += '.';
    }
    for (uint8_t byte : label) {
        if (byte >= 'A' && byte <= 'Z') {
            byte = static_cast<uint8_t>(byte - 'A' + 'a');
        }
        const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
                           byte == '-' || byte == '_';
        if (plain) {
            text += static_cast<char>(byte);
        } else {
            std::array<char, 8> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\%03u", byte);
            text += escaped.data();
        }
    }
}

// Decodes the name at `start`. Compression pointers must point before the pointer itself and
// what they lead to must end before it too ("a prior occurrence", RFC 1035 4.1.4): that rules
// out loops, and a name never depends on bytes after it, so rewriting a later record (padding)
// cannot change an earlier name. Returns the name and the offset just after it.
std::pair<Name, std::size_t> decodeName(std::span<const uint8_t> bytes, std::size_t start) {
    Name name;
    std::size_t at = start;
    std::size_t limit = bytes.size(); // bytes at or after this may not be read
    std::optional<std::size_t> end;   // after the in-place part, once a pointer was followed
    int hops = 0;
    while (true) {
        if (at >= limit) {
            throw DnsParseError(end ? "compressed name runs past its pointer" : "truncated name",
                                at);
        }
        const uint8_t length = bytes[at];
        if ((length & 0xC0) == 0xC0) {
            if (at + 1 >= limit) {
                throw DnsParseError("truncated compression pointer", at);
            }
            const std::size_t target = (length & 0x3Fu) << 8 | bytes[at + 1];
            if (++hops > kMaxPointerHops) {
                throw DnsParseError("more than 64 compression pointers in one name", at);
            }
            if (target >= at) {
                throw DnsParseError("compression loop: pointer to " + std::to_string(target) +
                                        " does not point backwards",
                                    at);
            }
            if (target < kHeaderSize) {
                throw DnsParseError("compression pointer into the header", at);
            }
            if (!end) {
                end = at + 2;
            }
            limit = at;
            at = target;
            continue;
        }
        if (length > kMaxLabelLength) {
            throw DnsParseError("label longer than 63 (length byte " + hexByte(length) + ")", at);
        }
        if (name.wire.size() + 1 + length + 1 > kMaxNameLength) {
            throw DnsParseError("name longer than 255 bytes", at);
        }
        if (length == 0) {
            name.wire.push_back(0);
            return {std::move(name), end.value_or(at + 1)};
        }
        if (at + 1 + length >= limit) {
            throw DnsParseError(end ? "compressed name runs past its pointer" : "truncated label",
                                at);
        }
        const auto label = bytes.subspan(at, 1 + length);
        name.wire.insert(name.wire.end(), label.begin(), label.end());
        appendLabelText(name.text, label.subspan(1));
        at += 1 + length;
    }
}

// Sequential reads with bounds checks; every failure names what was being read and where.
class Reader {
public:
    explicit Reader(std::span<const uint8_t> bytes)
        : bytes_(bytes) {}

    std::size_t position() const { return position_; }
    std::span<const uint8_t> bytes() const { return bytes_; }

    std::span<const uint8_t> take(std::size_t count, const char* what) {
        if (bytes_.size() - position_ < count) {
            throw DnsParseError(std::string("truncated ") + what, position_);
        }
        const auto taken = bytes_.subspan(position_, count);
        position_ += count;
        return taken;
    }

    uint16_t u16(const char* what) { return get16(take(2, what), 0); }
    uint32_t u32(const char* what) {
        const auto taken = take(4, what);
        return static_cast<uint32_t>(get16(taken, 0)) << 16 | get16(taken, 2);
    }

    Name name() {
        auto [name, end] = decodeName(bytes_, position_);
        position_ = end;
        return std::move(name);
    }

private:
    std::span<const uint8_t> bytes_;
    std::size_t position_ = 0;
};

void readHeader(Reader& reader, Message& message) {
    message.id = reader.u16("header");
    const uint16_t flags = reader.u16("header");
    message.qr = flags & 0x8000;
    message.opcode = static_cast<uint8_t>(flags >> 11 & 0xF);
    message.aa = flags & 0x0400;
    message.tc = flags & 0x0200;
    message.rd = flags & 0x0100;
    message.ra = flags & 0x0080;
    message.ad = flags & 0x0020;
    message.cd = flags & 0x0010;
    message.rcode = static_cast<uint8_t>(flags & 0xF);
}

std::vector<EdnsOption> readOptions(std::span<const uint8_t> rdata, std::size_t offset) {
    std::vector<EdnsOption> options;
    std::size_t at = 0;
    while (at < rdata.size()) {
        if (rdata.size() - at < kOptionHeaderSize) {
            throw DnsParseError("truncated EDNS option", offset + at);
        }
        const uint16_t code = get16(rdata, at);
        const uint16_t length = get16(rdata, at + 2);
        if (rdata.size() - at - kOptionHeaderSize < length) {
            throw DnsParseError("truncated EDNS option", offset + at);
        }
        const auto data = rdata.subspan(at + kOptionHeaderSize, length);
        options.push_back({code, {data.begin(), data.end()}});
        at += kOptionHeaderSize + length;
    }
    return options;
}

struct RawRecord {
    std::size_t start = 0;
    Name name;
    uint16_t type = 0;
    uint16_t rclass = 0;
    uint32_t ttl = 0;
    std::size_t rdataOffset = 0;
    std::span<const uint8_t> rdata;
};

void readOpt(const RawRecord& record, Section section, Layout& layout) {
    if (section != Section::Additional) {
        throw DnsParseError("OPT record outside the additional section", record.start);
    }
    if (layout.opt) {
        throw DnsParseError("more than one OPT record", record.start);
    }
    if (!record.name.text.empty()) {
        throw DnsParseError("OPT record with a non-root name", record.start);
    }
    Edns edns;
    edns.udpSize = record.rclass;
    edns.extendedRcode = static_cast<uint8_t>(record.ttl >> 24);
    edns.version = static_cast<uint8_t>(record.ttl >> 16);
    edns.do_ = record.ttl & 0x8000;
    edns.options = readOptions(record.rdata, record.rdataOffset);
    layout.message.edns = std::move(edns);
    layout.opt = OptRecord{record.start, record.rclass, record.ttl};
}

std::string addressText(const RawRecord& record) {
    const bool isA = record.type == rrtype::A;
    const std::size_t expected = isA ? 4 : 16;
    if (record.rdata.size() != expected) {
        throw DnsParseError(std::string(isA ? "A" : "AAAA") + " record with " +
                                std::to_string(record.rdata.size()) + "-byte rdata",
                            record.rdataOffset);
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    inet_ntop(isA ? AF_INET : AF_INET6, record.rdata.data(), text.data(), text.size());
    return text.data();
}

void readAnswer(RawRecord& record, Message& message) {
    ResourceRecord answer;
    const bool address =
        record.rclass == kClassIn && (record.type == rrtype::A || record.type == rrtype::AAAA);
    if (address) {
        answer.address = addressText(record);
    }
    answer.name = std::move(record.name.text);
    answer.type = record.type;
    answer.rclass = record.rclass;
    answer.ttl = record.ttl;
    answer.rdata.assign(record.rdata.begin(), record.rdata.end());
    message.answers.push_back(std::move(answer));
}

void readRecord(Reader& reader, Section section, Layout& layout) {
    RawRecord record;
    record.start = reader.position();
    record.name = reader.name();
    record.type = reader.u16("record");
    record.rclass = reader.u16("record");
    record.ttl = reader.u32("record");
    const uint16_t rdataLength = reader.u16("record");
    record.rdataOffset = reader.position();
    record.rdata = reader.take(rdataLength, "rdata");
    if (layout.opt) {
        layout.recordAfterOpt = true;
    }
    if (record.type == rrtype::OPT) {
        readOpt(record, section, layout);
    } else if (section == Section::Answer) {
        readAnswer(record, layout.message);
    }
}

Layout parseLayout(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderSize) {
        throw DnsParseError("truncated header", bytes.size());
    }
    Layout layout;
    Message& message = layout.message;
    Reader reader(bytes);
    readHeader(reader, message);
    const uint16_t questions = reader.u16("header");
    message.answerCount = reader.u16("header");
    message.authorityCount = reader.u16("header");
    message.additionalCount = reader.u16("header");
    layout.records = std::size_t{questions} + message.answerCount + message.authorityCount +
                     message.additionalCount;
    if (layout.records > kMaxRecords) {
        throw DnsParseError("too many records: " + std::to_string(layout.records) + " (limit " +
                                std::to_string(kMaxRecords) + ")",
                            4);
    }
    for (uint16_t i = 0; i < questions; ++i) {
        Name name = reader.name();
        const uint16_t type = reader.u16("question");
        const uint16_t qclass = reader.u16("question");
        message.questions.push_back({std::move(name.text), type, qclass});
        layout.questionWire.push_back(std::move(name.wire));
    }
    const std::array<std::pair<Section, uint16_t>, 3> sections{{
        {Section::Answer, message.answerCount},
        {Section::Authority, message.authorityCount},
        {Section::Additional, message.additionalCount},
    }};
    for (const auto& [section, count] : sections) {
        for (uint16_t i = 0; i < count; ++i) {
            readRecord(reader, section, layout);
        }
    }
    message.length = reader.position();
    return layout;
}

void putHeader(std::vector<uint8_t>& out, uint16_t id, uint16_t flags, uint16_t questions,
               uint16_t additional) {
    put16(out, id);
    put16(out, flags);
    put16(out, questions);
    put16(out, 0);
    put16(out, 0);
    put16(out, additional);
}

void putOpt(std::vector<uint8_t>& out, uint16_t udpSize, uint32_t ttl,
            const std::vector<EdnsOption>& options) {
    std::size_t length = 0;
    for (const auto& option : options) {
        length += kOptionHeaderSize + option.data.size();
    }
    out.push_back(0); // the root name
    put16(out, rrtype::OPT);
    put16(out, udpSize);
    put32(out, ttl);
    put16(out, static_cast<uint16_t>(length));
    for (const auto& option : options) {
        put16(out, option.code);
        put16(out, static_cast<uint16_t>(option.data.size()));
        out.insert(out.end(), option.data.begin(), option.data.end());
    }
}

// One character of a name in presentation form at `text[at]`; advances `at` past escapes.
uint8_t nameCharacter(std::string_view text, std::size_t& at) {
    const char c = text[at++];
    if (c != '\\') {
        return static_cast<uint8_t>(c);
    }
    if (at >= text.size()) {
        throw std::invalid_argument("name '" + std::string(text) + "' ends in a backslash");
    }
    const auto isDigit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    if (!isDigit(at)) {
        return static_cast<uint8_t>(text[at++]);
    }
    if (at + 3 > text.size() || !isDigit(at + 1) || !isDigit(at + 2)) {
        throw std::invalid_argument("name '" + std::string(text) + "': \\DDD needs three digits");
    }
    const int value = (text[at] - '0') * 100 + (text[at + 1] - '0') * 10 + (text[at + 2] - '0');
    if (value > 255) {
        throw std::invalid_argument("name '" + std::string(text) + "': \\" +
                                    std::string(text.substr(at, 3)) + " is above 255");
    }
    at += 3;
    return static_cast<uint8_t>(value);
}

// Presentation form → uncompressed wire form.
std::vector<uint8_t> encodeName(std::string_view text) {
    std::vector<uint8_t> wire;
    if (text.empty() || text == ".") {
        return {0};
    }
    std::vector<uint8_t> label;
    const auto flush = [&] {
        if (label.empty()) {
            throw std::invalid_argument("name '" + std::string(text) + "' has an empty label");
        }
        wire.push_back(static_cast<uint8_t>(label.size()));
        wire.insert(wire.end(), label.begin(), label.end());
        label.clear();
    };
    std::size_t at = 0;
    while (at < text.size()) {
        if (text[at] == '.') {
            ++at;
            flush();
            continue;
        }
        label.push_back(nameCharacter(text, at));
        if (label.size() > kMaxLabelLength) {
            throw std::invalid_argument("name '" + std::string(text) +
                                        "' has a label longer than 63 bytes");
        }
    }
    if (!label.empty()) {
        flush();
    }
    wire.push_back(0);
    if (wire.size() > kMaxNameLength) {
        throw std::invalid_argument("name '" + std::string(text) + "' is longer than 255 bytes");
    }
    return wire;
}

std::vector<uint8_t> errorResponse(std::span<const uint8_t> query, uint8_t code) {
    const Layout layout = parseLayout(query);
    const Message& asked = layout.message;
    const auto flags = static_cast<uint16_t>(0x8000 | asked.opcode << 11 | (asked.rd ? 0x0100 : 0) |
                                             0x0080 | (asked.cd ? 0x0010 : 0) | code);
    std::vector<uint8_t> questions;
    for (std::size_t i = 0; i < asked.questions.size(); ++i) {
        questions.insert(questions.end(), layout.questionWire[i].begin(),
                         layout.questionWire[i].end());
        put16(questions, asked.questions[i].type);
        put16(questions, asked.questions[i].qclass);
    }
    // Hundreds of compressed questions could expand past what a DNS message can carry; such a
    // query is malformed anyway (RFC 9619), and an answer without the question is allowed.
    const bool echo = kHeaderSize + questions.size() + kOptFixedSize <= kMaxMessageSize;
    std::vector<uint8_t> out;
    putHeader(out, asked.id, flags, echo ? static_cast<uint16_t>(asked.questions.size()) : 0,
              asked.edns ? 1 : 0);
    if (echo) {
        out.insert(out.end(), questions.begin(), questions.end());
    }
    if (asked.edns) {
        putOpt(out, kStubUdpSize, asked.edns->do_ ? 0x8000 : 0, {});
    }
    return out;
}

std::vector<EdnsOption> optionsWithoutPadding(const Message& message) {
    std::vector<EdnsOption> options;
    if (message.edns) {
        for (const auto& option : message.edns->options) {
            if (option.code != kEdnsPaddingOption) {
                options.push_back(option);
            }
        }
    }
    return options;
}

// The message up to its OPT record (or all of it when there is none, with ARCOUNT raised for
// the OPT the caller appends).
std::vector<uint8_t> withoutOpt(std::span<const uint8_t> message, const Layout& layout) {
    if (layout.opt) {
        return {message.begin(), message.begin() + static_cast<std::ptrdiff_t>(layout.opt->start)};
    }
    std::vector<uint8_t> out(message.begin(),
                             message.begin() + static_cast<std::ptrdiff_t>(layout.message.length));
    set16(out, 10, static_cast<uint16_t>(layout.message.additionalCount + 1));
    return out;
}

std::vector<uint8_t> pad(std::span<const uint8_t> message, std::size_t block, bool addOpt) {
    if (block == 0) {
        throw std::invalid_argument("padding block size 0");
    }
    const Layout layout = parseLayout(message);
    const auto used = message.first(layout.message.length);
    const bool canAdd = addOpt && layout.records < kMaxRecords;
    if (layout.recordAfterOpt || (!layout.opt && !canAdd)) {
        return {used.begin(), used.end()};
    }
    auto options = optionsWithoutPadding(layout.message);
    std::size_t unpadded = (layout.opt ? layout.opt->start : used.size()) + kOptFixedSize;
    for (const auto& option : options) {
        unpadded += kOptionHeaderSize + option.data.size();
    }
    unpadded += kOptionHeaderSize;
    const std::size_t padding = (block - unpadded % block) % block;
    if (unpadded + padding > kMaxMessageSize) {
        return {used.begin(), used.end()};
    }
    options.push_back({kEdnsPaddingOption, std::vector<uint8_t>(padding, 0)});
    std::vector<uint8_t> out = withoutOpt(message, layout);
    putOpt(out, layout.opt ? layout.opt->rclass : kStubUdpSize, layout.opt ? layout.opt->ttl : 0,
           options);
    return out;
}

} // namespace

Message parse(std::span<const uint8_t> bytes) {
    return parseLayout(bytes).message;
}

std::vector<uint8_t> buildQuery(std::string_view name, uint16_t type, uint16_t id, bool rd) {
    const auto wire = encodeName(name);
    std::vector<uint8_t> out;
    putHeader(out, id, rd ? 0x0100 : 0, 1, 0);
    out.insert(out.end(), wire.begin(), wire.end());
    put16(out, type);
    put16(out, kClassIn);
    return out;
}

std::vector<uint8_t> servfail(std::span<const uint8_t> query) {
    return errorResponse(query, rcode::ServFail);
}

std::vector<uint8_t> nxdomain(std::span<const uint8_t> query) {
    return errorResponse(query, rcode::NXDomain);
}

std::vector<uint8_t> refused(std::span<const uint8_t> query) {
    return errorResponse(query, rcode::Refused);
}

std::vector<uint8_t> padQuery(std::span<const uint8_t> message, std::size_t block) {
    return pad(message, block, true);
}

std::vector<uint8_t> padResponse(std::span<const uint8_t> message, std::size_t block) {
    return pad(message, block, false);
}

std::vector<uint8_t> stripPadding(std::span<const uint8_t> message) {
    const Layout layout = parseLayout(message);
    const auto used = message.first(layout.message.length);
    const auto options = optionsWithoutPadding(layout.message);
    const bool padded = layout.opt && options.size() != layout.message.edns->options.size();
    if (!padded || layout.recordAfterOpt) {
        return {used.begin(), used.end()};
    }
    std::vector<uint8_t> out = withoutOpt(message, layout);
    putOpt(out, layout.opt->rclass, layout.opt->ttl, options);
    return out;
}

uint16_t idOf(std::span<const uint8_t> message) {
    if (message.size() < kHeaderSize) {
        throw DnsParseError("truncated header", message.size());
    }
    return get16(message, 0);
}

void setId(std::span<uint8_t> message, uint16_t id) {
    if (message.size() < kHeaderSize) {
        throw DnsParseError("truncated header", message.size());
    }
    set16(message, 0, id);
}

namespace {

std::vector<uint8_t> headerOnlyResponse(std::span<const uint8_t> query, uint8_t code) {
    if (query.size() < kHeaderSize) {
        throw DnsParseError("truncated header", query.size());
    }
    const uint16_t asked = get16(query, 2);
    // QR, then the query's opcode (bits 11-14) and RD (bit 8), RA, and the code.
    const auto flags = static_cast<uint16_t>(0x8000 | (asked & 0x7900) | 0x0080 | code);
    std::vector<uint8_t> out;
    putHeader(out, get16(query, 0), flags, 0, 0);
    return out;
}

} // namespace

std::vector<uint8_t> formerr(std::span<const uint8_t> query) {
    return headerOnlyResponse(query, rcode::FormErr);
}

std::vector<uint8_t> notimp(std::span<const uint8_t> query) {
    return headerOnlyResponse(query, rcode::NotImp);
}

std::vector<uint8_t> truncatedResponse(std::span<const uint8_t> message) {
    const Layout layout = parseLayout(message);
    const Message& parsed = layout.message;
    std::vector<uint8_t> questions;
    for (std::size_t i = 0; i < parsed.questions.size(); ++i) {
        questions.insert(questions.end(), layout.questionWire[i].begin(),
                         layout.questionWire[i].end());
        put16(questions, parsed.questions[i].type);
        put16(questions, parsed.questions[i].qclass);
    }
    const bool echo = kHeaderSize + questions.size() + kOptFixedSize <= kMaxMessageSize;
    const auto flags = static_cast<uint16_t>(get16(message, 2) | 0x8000 | 0x0200);
    std::vector<uint8_t> out;
    putHeader(out, parsed.id, flags, echo ? static_cast<uint16_t>(parsed.questions.size()) : 0,
              parsed.edns ? 1 : 0);
    if (echo) {
        out.insert(out.end(), questions.begin(), questions.end());
    }
    if (parsed.edns) {
        const uint32_t ttl = static_cast<uint32_t>(parsed.edns->extendedRcode) << 24 |
                             (parsed.edns->do_ ? 0x8000U : 0U);
        putOpt(out, kStubUdpSize, ttl, {});
    }
    return out;
}

} // namespace mamori::dns
