// Judges one TLS connection from what its HTTP readers report (an HttpExchangeSink): whether
// it is DNS over HTTPS, the DNS questions its DoH requests asked (decoded with the stub's own
// parser, mamori::dns::parse), and counters of everything seen, skipped or lost.
//
// Verdict: the connection's first request decides — a GET with a "dns" parameter holding a
// DNS message, or a POST of application/dns-message, make it Doh; any other request, or bytes
// that are not HTTP, NotDoh. A response of application/dns-message makes an undecided
// connection Doh (its request may have been lost). A verdict never changes once given.
#pragma once

#include "dns/doh/HttpExchangeSink.h"
#include "dns/doh/TlsEvent.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

// The same three states the kernel keeps per connection (TlsEvent.h).
using DohVerdict = ConnectionVerdict;

// One question of a DNS message an app sent over DoH.
struct DohQuestion {
    std::string qname; // as mamori::dns::parse writes names: lower case, no trailing dot
    uint16_t qtype = 0;
    bool http2 = false;
    std::string method;    // "GET" or "POST"
    std::string authority; // HTTP/2 :authority (else host), HTTP/1.1 Host; may be empty
    std::string path;      // the request target up to its query: "/dns-query"

    bool operator==(const DohQuestion&) const = default;
};

struct DohCounters {
    uint64_t requests = 0;         // request heads decoded, DoH or not
    uint64_t dohRequests = 0;      // of them DoH (GET ?dns=, POST application/dns-message)
    uint64_t questions = 0;        // DNS questions decoded
    uint64_t responses = 0;        // final response heads decoded
    uint64_t dohResponses = 0;     // of them application/dns-message
    uint64_t malformed = 0;        // frames, messages, header blocks, DNS messages not decodable;
                                   // streams dropped at a bound
    uint64_t lostRequests = 0;     // DoH requests whose DNS message missing bytes cut
    uint64_t cancelled = 0;        // DoH requests reset before their body ended
    uint64_t desyncs = 0;          // times a direction lost its place (see HttpProblem::Desync)
    uint64_t truncatedCalls = 0;   // calls the kernel did not copy whole
    uint64_t bytesMissing = 0;     // the bytes it did not copy
    uint64_t bytesSkipped = 0;     // copied bytes passed over without decoding (bodies not
                                   // needed, everything after NotDoh or stopping, resync)
    uint64_t questionsDropped = 0; // decoded while kMaxPendingQuestions were waiting

    bool operator==(const DohCounters&) const = default;
};

class DohRecorder final : public HttpExchangeSink {
public:
    // Questions kept until takeQuestions(); later ones are counted and dropped.
    static constexpr std::size_t kMaxPendingQuestions = 4096;

    DohVerdict verdict() const { return verdict_; }
    const DohCounters& counters() const { return counters_; }
    std::vector<DohQuestion> takeQuestions();
    // The last problem seen, for logs ("" when none).
    const std::string& lastProblem() const { return lastProblem_; }

    // Called by the stream decoder itself.
    void noteCall(std::size_t missing);
    void notHttp(std::string_view what);
    void gaveUp(std::string_view what);

    bool onRequestHead(const HttpRequestHead& head) override;
    void onRequestBody(const HttpRequestHead& head, std::span<const uint8_t> body) override;
    void onResponseHead(unsigned status, std::string_view contentType) override;
    void onProblem(HttpProblem problem, std::string_view what) override;
    void onSkipped(std::size_t bytes) override { counters_.bytesSkipped += bytes; }
    bool finished() const override { return verdict_ == DohVerdict::NotDoh; }

private:
    void decide(DohVerdict verdict);
    void onGetRequest(const HttpRequestHead& head);
    // False when `message` is not a DNS query with a question (counted malformed only when
    // `countMalformed`).
    bool record(const HttpRequestHead& head, std::span<const uint8_t> message, bool countMalformed);
    void malformed(std::string what);

    DohVerdict verdict_ = DohVerdict::Undecided;
    DohCounters counters_;
    std::vector<DohQuestion> questions_;
    std::string lastProblem_;
};

} // namespace mamori::dns
