#include "dns/doh/Http1Parser.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace mamori::dns {

namespace {

constexpr std::size_t kMaxMethod = 20;
constexpr std::string_view kVersionPrefix = "HTTP/1.";
// Longer than any real chunk size line; 15 hex digits keep the value below 2^60.
constexpr std::size_t kMaxChunkSizeDigits = 15;
// Beyond any body a DoH exchange has; also keeps the arithmetic far from overflow.
constexpr uint64_t kMaxContentLength = uint64_t{1} << 50;

bool isUpper(uint8_t c) {
    return c >= 'A' && c <= 'Z';
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trimmed(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool isVersion(std::string_view text) {
    return text.size() == kVersionPrefix.size() + 1 && text.starts_with(kVersionPrefix) &&
           isDigit(text.back());
}

// All values of a field that may be repeated or comma-separated, as one list.
std::string joinedValues(const Http1Head& head, std::string_view name) {
    std::string joined;
    for (const auto& field : head.fields) {
        if (field.name == name) {
            if (!joined.empty()) {
                joined += ',';
            }
            joined += field.value;
        }
    }
    return joined;
}

// The Content-Length: every listed value must be the same number (RFC 9112 section 6.3).
std::optional<uint64_t> contentLength(std::string_view list) {
    std::optional<uint64_t> length;
    while (true) {
        const auto comma = list.find(',');
        const std::string_view item = trimmed(list.substr(0, comma));
        if (item.empty() || item.size() > 16 || !std::all_of(item.begin(), item.end(), isDigit)) {
            return std::nullopt;
        }
        uint64_t value = 0;
        for (const char c : item) {
            value = value * 10 + static_cast<uint64_t>(c - '0');
        }
        if (value > kMaxContentLength || (length && *length != value)) {
            return std::nullopt;
        }
        length = value;
        if (comma == std::string_view::npos) {
            return length;
        }
        list.remove_prefix(comma + 1);
    }
}

bool lastCodingIsChunked(std::string_view list) {
    const auto comma = list.rfind(',');
    const std::string_view last =
        trimmed(comma == std::string_view::npos ? list : list.substr(comma + 1));
    std::string lowered(last);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
    return lowered == "chunked";
}

} // namespace

std::string_view Http1Head::field(std::string_view name) const {
    for (const auto& f : fields) {
        if (f.name == name) {
            return f.value;
        }
    }
    return {};
}

Http1Parser::Http1Parser(Kind kind, Handler& handler)
    : kind_(kind)
    , handler_(handler) {}

void Http1Parser::feed(std::span<const uint8_t> bytes) {
    if (bytes.empty()) {
        return;
    }
    if (halted_) {
        handler_.onSkipped(bytes.size());
        return;
    }
    if (state_ == State::Resync) {
        if (!looksLikeStartLine(bytes)) {
            handler_.onSkipped(bytes.size());
            return;
        }
        state_ = State::StartLine;
    }
    while (!bytes.empty()) {
        if (state_ == State::Resync || halted_) {
            handler_.onSkipped(bytes.size());
            return;
        }
        const bool inBody =
            state_ == State::Body || state_ == State::ChunkData || state_ == State::UntilClose;
        bytes = bytes.subspan(inBody ? consumeBody(bytes) : consumeLine(bytes));
    }
}

void Http1Parser::skip(std::size_t missing) {
    if (missing == 0 || halted_) {
        return;
    }
    atStart_ = false;
    switch (state_) {
    case State::Body:
    case State::ChunkData:
        if (missing > remaining_) {
            lose(HttpProblem::Desync, "bytes missing past the end of an HTTP/1 body");
            return;
        }
        handler_.onBodyGap(missing);
        remaining_ -= missing;
        if (remaining_ == 0) {
            if (state_ == State::Body) {
                endMessage();
            } else {
                state_ = State::ChunkDataEnd;
            }
        }
        return;
    case State::UntilClose:
        handler_.onBodyGap(missing);
        return;
    case State::Resync:
        return;
    default:
        lose(HttpProblem::Desync, "bytes missing inside an HTTP/1 head");
        return;
    }
}

std::size_t Http1Parser::consumeLine(std::span<const uint8_t> bytes) {
    const auto* newline =
        static_cast<const uint8_t*>(std::memchr(bytes.data(), '\n', bytes.size()));
    const std::size_t length =
        newline == nullptr ? bytes.size() : static_cast<std::size_t>(newline - bytes.data());
    const std::size_t used = newline == nullptr ? length : length + 1;
    const bool inSection =
        state_ == State::StartLine || state_ == State::Fields || state_ == State::Trailers;
    const std::size_t limit =
        inSection ? Http1Parser::kMaxHead - sectionBytes_ : Http1Parser::kMaxHead - line_.size();
    // What is consumed when giving up does not depend on how the bytes were split into calls:
    // up to the byte that showed the problem.
    if (state_ == State::StartLine) {
        for (std::size_t i = 0; i < std::min(length, limit); ++i) {
            if (!startLineByteFits(bytes[i], line_.size() + i)) {
                lose(HttpProblem::Malformed, kind_ == Kind::Request ? "not an HTTP/1 request line"
                                                                    : "not an HTTP/1 status line");
                return i + 1;
            }
        }
    }
    if (used > limit) {
        lose(HttpProblem::Malformed, "HTTP/1 head over 64 KiB");
        return limit + 1;
    }
    if (inSection) {
        sectionBytes_ += used;
    }
    line_.append(reinterpret_cast<const char*>(bytes.data()), length);
    if (newline != nullptr) {
        std::string line = std::move(line_);
        line_.clear();
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        onLine(line);
    }
    return used;
}

// Rejects, as early as the bytes allow, what cannot become a start line: a connection that is
// not HTTP is given up after a few bytes rather than 64 KiB.
bool Http1Parser::startLineByteFits(uint8_t byte, std::size_t position) {
    if (byte == '\r' && position == 0) {
        return true; // an empty line before the start line
    }
    if (kind_ == Kind::Response) {
        if (position < kVersionPrefix.size()) {
            return byte == static_cast<uint8_t>(kVersionPrefix[position]);
        }
        return byte >= 0x20 || byte == '\t' || byte == '\r';
    }
    if (!methodEnded_) {
        if (byte == ' ' && position > 0) {
            methodEnded_ = true;
            return true;
        }
        return isUpper(byte) && position < kMaxMethod;
    }
    return (byte > 0x20 && byte < 0x7F) || byte == ' ' || byte == '\r';
}

bool Http1Parser::looksLikeStartLine(std::span<const uint8_t> bytes) const {
    if (kind_ == Kind::Response) {
        const std::size_t n = std::min(bytes.size(), kVersionPrefix.size());
        return std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n),
                          kVersionPrefix.begin());
    }
    std::size_t i = 0;
    while (i < bytes.size() && i <= kMaxMethod && isUpper(bytes[i])) {
        ++i;
    }
    return i > 0 && (i == bytes.size() || bytes[i] == ' ');
}

void Http1Parser::onLine(std::string_view line) {
    switch (state_) {
    case State::StartLine:
        if (line.empty()) {
            return; // RFC 9112 section 2.2: empty lines before a start line are ignored
        }
        onStartLine(line);
        return;
    case State::Fields:
        onFieldLine(line);
        return;
    case State::ChunkSize:
        onChunkSizeLine(line);
        return;
    case State::ChunkDataEnd:
        if (!line.empty()) {
            lose(HttpProblem::Malformed, "HTTP/1 chunk not followed by CRLF");
            return;
        }
        state_ = State::ChunkSize;
        return;
    case State::Trailers:
        if (line.empty()) {
            endMessage();
        }
        return;
    default:
        return;
    }
}

void Http1Parser::onStartLine(std::string_view line) {
    const auto firstSpace = line.find(' ');
    if (kind_ == Kind::Request) {
        const auto secondSpace = line.find(' ', firstSpace + 1);
        if (firstSpace == std::string_view::npos || secondSpace == std::string_view::npos ||
            secondSpace == firstSpace + 1 || !isVersion(line.substr(secondSpace + 1))) {
            lose(HttpProblem::Malformed, "not an HTTP/1 request line");
            return;
        }
        head_.method = line.substr(0, firstSpace);
        head_.target = line.substr(firstSpace + 1, secondSpace - firstSpace - 1);
    } else {
        const std::string_view status = firstSpace == std::string_view::npos
                                            ? std::string_view{}
                                            : line.substr(firstSpace + 1, 3);
        const bool statusOk = status.size() == 3 &&
                              std::all_of(status.begin(), status.end(), isDigit) &&
                              (line.size() == firstSpace + 4 || line[firstSpace + 4] == ' ');
        if (!statusOk || !isVersion(line.substr(0, firstSpace))) {
            lose(HttpProblem::Malformed, "not an HTTP/1 status line");
            return;
        }
        head_.status = static_cast<unsigned>((status[0] - '0') * 100 + (status[1] - '0') * 10 +
                                             (status[2] - '0'));
    }
    atStart_ = false;
    state_ = State::Fields;
}

void Http1Parser::onFieldLine(std::string_view line) {
    if (line.empty()) {
        onHeadComplete();
        return;
    }
    if (line.front() == ' ' || line.front() == '\t') {
        // An obsolete line folding (RFC 9112 section 5.2): part of the previous value.
        if (head_.fields.empty()) {
            lose(HttpProblem::Malformed, "HTTP/1 head starts with a continuation line");
            return;
        }
        head_.fields.back().value += ' ';
        head_.fields.back().value += trimmed(line);
        return;
    }
    const auto colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    if (colon == std::string_view::npos || name.empty() ||
        !std::all_of(name.begin(), name.end(), isTokenChar)) {
        lose(HttpProblem::Malformed, "malformed HTTP/1 header field");
        return;
    }
    HttpField field{std::string(name), std::string(trimmed(line.substr(colon + 1)))};
    std::transform(field.name.begin(), field.name.end(), field.name.begin(), lower);
    head_.fields.push_back(std::move(field));
}

void Http1Parser::onHeadComplete() {
    const std::string transferEncoding = joinedValues(head_, "transfer-encoding");
    const bool chunked = !transferEncoding.empty() && lastCodingIsChunked(transferEncoding);
    std::optional<uint64_t> length = 0;
    bool untilClose = false;
    if (!transferEncoding.empty() && !chunked) {
        if (kind_ == Kind::Request) {
            lose(HttpProblem::Malformed, "HTTP/1 request body of unknown length");
            return;
        }
        untilClose = true;
    } else if (!chunked) {
        const std::string lengths = joinedValues(head_, "content-length");
        if (!lengths.empty()) {
            length = contentLength(lengths);
            if (!length) {
                lose(HttpProblem::Malformed, "bad HTTP/1 Content-Length");
                return;
            }
        } else {
            untilClose = kind_ == Kind::Response;
        }
    }
    const bool mayHaveBody = handler_.onHead(head_);
    if (halted_) {
        return;
    }
    if (kind_ == Kind::Response) {
        const unsigned status = head_.status;
        if (status == 101) {
            startBody(false, 0, true);
            return;
        }
        if (!mayHaveBody || status < 200 || status == 204 || status == 304) {
            endMessage();
            return;
        }
    }
    startBody(chunked, *length, untilClose);
}

void Http1Parser::startBody(bool chunked, uint64_t length, bool untilClose) {
    head_ = {};
    sectionBytes_ = 0;
    if (untilClose) {
        state_ = State::UntilClose;
    } else if (chunked) {
        state_ = State::ChunkSize;
    } else if (length > 0) {
        remaining_ = length;
        state_ = State::Body;
    } else {
        endMessage();
    }
}

void Http1Parser::onChunkSizeLine(std::string_view line) {
    std::string_view digits = trimmed(line.substr(0, line.find(';')));
    uint64_t size = 0;
    for (const char c : digits) {
        const char l = lower(c);
        const bool hex = isDigit(c) || (l >= 'a' && l <= 'f');
        if (!hex) {
            digits = {};
            break;
        }
        size = size * 16 + static_cast<uint64_t>(isDigit(c) ? c - '0' : l - 'a' + 10);
    }
    if (digits.empty() || digits.size() > kMaxChunkSizeDigits) {
        lose(HttpProblem::Malformed, "bad HTTP/1 chunk size");
        return;
    }
    if (size == 0) {
        sectionBytes_ = 0;
        state_ = State::Trailers;
        return;
    }
    remaining_ = size;
    state_ = State::ChunkData;
}

std::size_t Http1Parser::consumeBody(std::span<const uint8_t> bytes) {
    if (state_ == State::UntilClose) {
        handler_.onBody(bytes);
        return bytes.size();
    }
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(remaining_, bytes.size()));
    handler_.onBody(bytes.first(n));
    remaining_ -= n;
    if (remaining_ == 0) {
        if (state_ == State::Body) {
            endMessage();
        } else {
            state_ = State::ChunkDataEnd;
        }
    }
    return n;
}

void Http1Parser::endMessage() {
    handler_.onMessageEnd();
    head_ = {};
    sectionBytes_ = 0;
    methodEnded_ = false;
    state_ = State::StartLine;
}

void Http1Parser::lose(HttpProblem problem, std::string_view what) {
    const bool notHttp = atStart_ && state_ == State::StartLine;
    const bool headDelivered = state_ != State::StartLine && state_ != State::Fields;
    atStart_ = false;
    if (headDelivered) {
        handler_.onMessageLost();
    }
    handler_.onProblem(notHttp ? HttpProblem::NotHttp : problem, what);
    state_ = State::Resync;
    line_.clear();
    head_ = {};
    sectionBytes_ = 0;
    methodEnded_ = false;
    remaining_ = 0;
}

} // namespace mamori::dns
