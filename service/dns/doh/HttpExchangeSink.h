// What the HTTP/1.1 and HTTP/2 readers of one TLS connection (Http1Connection, Http2Connection)
// report to whoever judges the connection (DohRecorder): request heads, the bodies it asked
// for, response heads, and everything they could not decode. The readers know HTTP framing
// only; what makes a request DoH is the sink's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mamori::dns {

// The parts of a request a DoH monitor looks at. HTTP/1.1: request line, Host, Content-Type;
// HTTP/2: :method, :path, :authority (else host), content-type.
struct HttpRequestHead {
    std::string method;
    std::string authority;
    std::string target; // path and query as sent ("/dns-query?dns=...")
    std::string contentType;
    bool http2 = false;
    // HTTP/2 joined mid-connection: the header block could not be decoded (the HPACK state
    // built before was missed), so method, target and types are unknown and only the body
    // can tell what the request was.
    bool fieldsUnknown = false;
};

enum class HttpProblem {
    NotHttp,     // the connection's first bytes are not an HTTP request
    Malformed,   // a frame, message, header block or DNS message that could not be decoded, or
                 // a request dropped at a bound (streams, body or header size)
    LostRequest, // a request whose body was wanted but cut by bytes the kernel did not copy
    Cancelled,   // a request whose body was wanted, reset (RST_STREAM) before its end
    Desync,      // a direction lost its place (missing bytes, broken framing or HPACK state):
                 // it resynchronises at the next message if it can, else stops
};

class HttpExchangeSink {
public:
    // A complete request head. Returning true asks for its body (onRequestBody follows, or a
    // LostRequest/Cancelled/Malformed problem when it cannot be delivered).
    virtual bool onRequestHead(const HttpRequestHead& head) = 0;
    virtual void onRequestBody(const HttpRequestHead& head, std::span<const uint8_t> body) = 0;
    // A response head; contentType is empty when there is none.
    virtual void onResponseHead(unsigned status, std::string_view contentType) = 0;
    virtual void onProblem(HttpProblem problem, std::string_view what) = 0;
    // Copied bytes passed over without being decoded: bodies nobody asked for, frames that
    // carry nothing of interest, bytes dropped while resynchronising.
    virtual void onSkipped(std::size_t bytes) = 0;
    // True once nothing more is wanted from this connection (it is not DoH): readers stop at
    // once, even inside a call, so that where calls end does not change what is counted.
    virtual bool finished() const = 0;

protected:
    HttpExchangeSink() = default;
    HttpExchangeSink(const HttpExchangeSink&) = default;
    HttpExchangeSink& operator=(const HttpExchangeSink&) = default;
    ~HttpExchangeSink() = default;
};

} // namespace mamori::dns
