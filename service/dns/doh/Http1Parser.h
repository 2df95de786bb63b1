// An incremental HTTP/1.x message parser (RFC 9112) for one direction of a connection, fed the
// bytes in the order the app wrote (requests) or read (responses) them. Heads are buffered up
// to kMaxHead bytes; bodies (Content-Length, chunked, or a response's "until the connection
// ends") are handed on in pieces and never buffered here.
//
// Missing bytes (skip()): inside a body of known length they are handed on as a gap and
// parsing goes on; anywhere else the parser has lost its place. So it does after a malformed
// head. It then resynchronises at the first later call whose bytes begin like a start line —
// apps start a request (and usually read a response) with a new call — and passes over
// everything before. No HTTP/1.0 upgrade or CONNECT tunnelling: after a 101 response the rest
// of the read direction is one body.
#pragma once

#include "dns/doh/HttpExchangeSink.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

struct HttpField {
    std::string name; // lower-cased
    std::string value;
};

struct Http1Head {
    std::string method;  // requests
    std::string target;  // requests
    unsigned status = 0; // responses
    std::vector<HttpField> fields;

    // The first field of that (lower-case) name, "" when there is none.
    std::string_view field(std::string_view name) const;
};

class Http1Parser {
public:
    enum class Kind { Request, Response };
    // Start line and fields, or trailer section, of one message.
    static constexpr std::size_t kMaxHead = std::size_t{64} * 1024;

    class Handler {
    public:
        // A complete head. For a response, returning false says it has no body whatever its
        // fields say (the answer to a HEAD request); ignored for requests.
        virtual bool onHead(const Http1Head& head) = 0;
        virtual void onBody(std::span<const uint8_t> piece) = 0;
        virtual void onBodyGap(std::size_t missing) = 0;
        virtual void onMessageEnd() = 0;
        // The message whose head or body was in progress will not end (lost place).
        virtual void onMessageLost() = 0;
        virtual void onProblem(HttpProblem problem, std::string_view what) = 0;
        virtual void onSkipped(std::size_t bytes) = 0;

    protected:
        Handler() = default;
        Handler(const Handler&) = default;
        Handler& operator=(const Handler&) = default;
        ~Handler() = default;
    };

    Http1Parser(Kind kind, Handler& handler);

    void feed(std::span<const uint8_t> bytes);
    // `missing` bytes followed what was fed and were not copied.
    void skip(std::size_t missing);
    // Parse nothing more: all further bytes are skipped (also the rest of the current call,
    // when called from a handler).
    void halt() { halted_ = true; }

private:
    enum class State {
        StartLine,
        Fields,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Resync,
    };

    std::size_t consumeLine(std::span<const uint8_t> bytes);
    std::size_t consumeBody(std::span<const uint8_t> bytes);
    bool startLineByteFits(uint8_t byte, std::size_t position);
    bool looksLikeStartLine(std::span<const uint8_t> bytes) const;
    void onLine(std::string_view line);
    void onStartLine(std::string_view line);
    void onFieldLine(std::string_view line);
    void onHeadComplete();
    void onChunkSizeLine(std::string_view line);
    void startBody(bool chunked, uint64_t length, bool untilClose);
    void endMessage();
    void lose(HttpProblem problem, std::string_view what);

    Kind kind_;
    Handler& handler_;
    State state_ = State::StartLine;
    std::string line_;
    std::size_t sectionBytes_ = 0; // of the head or trailer section being read
    bool methodEnded_ = false;     // request start line: the method's space was seen
    Http1Head head_;
    uint64_t remaining_ = 0; // bytes of the body or chunk still to come
    // Nothing parsed yet and nothing missing: a bad start line means "this is not HTTP".
    bool atStart_ = true;
    bool halted_ = false;
};

} // namespace mamori::dns
