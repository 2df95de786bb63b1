// The HTTP/1.1 half of the DoH monitor for one TLS connection: requests parsed from what the
// app wrote, responses from what it read (one Http1Parser each). Every request head goes to
// the sink; a body the sink asks for is collected (at most kMaxBody bytes) and handed over
// whole. Pipelined and keep-alive requests are each reported; a wanted body cut by missing
// bytes is reported lost, the requests after it are still decoded.
#pragma once

#include "dns/doh/Http1Parser.h"
#include "dns/doh/HttpExchangeSink.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace mamori::dns {

class Http1Connection {
public:
    // A DNS message is at most 65535 bytes.
    static constexpr std::size_t kMaxBody = std::size_t{64} * 1024;
    // Requests remembered while their responses are outstanding (whether each was a HEAD,
    // whose response has no body); beyond, later ones count as not HEAD.
    static constexpr std::size_t kMaxOutstanding = 128;

    explicit Http1Connection(HttpExchangeSink& sink);
    Http1Connection(const Http1Connection&) = delete;
    Http1Connection& operator=(const Http1Connection&) = delete;
    ~Http1Connection() = default;

    void onWrite(std::span<const uint8_t> bytes) { requestParser_.feed(bytes); }
    void onWriteGap(std::size_t missing) { requestParser_.skip(missing); }
    void onRead(std::span<const uint8_t> bytes) { responseParser_.feed(bytes); }
    void onReadGap(std::size_t missing) { responseParser_.skip(missing); }

private:
    class Requests final : public Http1Parser::Handler {
    public:
        explicit Requests(Http1Connection& connection)
            : connection_(connection) {}
        bool onHead(const Http1Head& head) override;
        void onBody(std::span<const uint8_t> piece) override;
        void onBodyGap(std::size_t missing) override;
        void onMessageEnd() override;
        void onMessageLost() override;
        void onProblem(HttpProblem problem, std::string_view what) override;
        void onSkipped(std::size_t bytes) override;

    private:
        void reset();

        Http1Connection& connection_;
        HttpRequestHead head_;
        bool wanted_ = false;
        bool gap_ = false;
        bool tooLarge_ = false;
        std::vector<uint8_t> body_;
    };

    class Responses final : public Http1Parser::Handler {
    public:
        explicit Responses(Http1Connection& connection)
            : connection_(connection) {}
        bool onHead(const Http1Head& head) override;
        void onBody(std::span<const uint8_t> piece) override;
        void onBodyGap(std::size_t /*missing*/) override {}
        void onMessageEnd() override {}
        void onMessageLost() override {}
        void onProblem(HttpProblem problem, std::string_view what) override;
        void onSkipped(std::size_t bytes) override;

    private:
        Http1Connection& connection_;
    };

    // Stops both parsers at once when the sink wants nothing more (not DoH).
    void haltIfFinished();

    HttpExchangeSink& sink_;
    std::deque<bool> outstandingHead_;
    Requests requests_{*this};
    Responses responses_{*this};
    Http1Parser requestParser_{Http1Parser::Kind::Request, requests_};
    Http1Parser responseParser_{Http1Parser::Kind::Response, responses_};
};

} // namespace mamori::dns
