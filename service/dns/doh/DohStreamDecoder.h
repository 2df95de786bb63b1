// The DoH monitor's decoder for one TLS connection (one SSL* or gnutls session of one
// process): fed the plaintext the app wrote and read, in order per direction, as the kernel
// copied it, it tells whether the connection is DNS over HTTPS and which DNS questions the app
// asked (issue 4). HTTP/1.1 (Http1Connection) or HTTP/2 (Http2Connection, chosen by the
// client's preface; or, when the first write seen is whole HTTP/2 frames, a connection the
// probes joined after it started, decoded from its request bodies alone), judged by a
// DohRecorder; see those for the rules and bounds.
//
// Each call passes the bytes the kernel copied and the length of the whole library call: when
// `totalLength` is larger, the rest of that call was not copied. HTTP/1.1 resynchronises at
// the next request (a DoH request cut that way is counted lost, the verdict stays Doh); HTTP/2
// skips missing bytes inside a DATA payload, but bytes missing from a header block or across
// frame boundaries leave its HPACK state or framing unknown: decoding that direction stops.
//
// stopped(): nothing more will be decoded — the verdict is NotDoh, or the write direction lost
// its place for good. Further calls then only count bytes; the caller may stop feeding (and
// tell the kernel to stop copying). Memory is bounded whatever the input: under 1 MiB per
// connection at the very worst (HTTP/2: 256 KiB of request bodies, two HPACK tables of 64 KiB
// by RFC 7541's accounting plus nghttp2's per-entry overhead, its field buffers; HTTP/1.1: heads
// and a body of 64 KiB; 16 KiB of early reads), a few KiB for real DoH traffic, nothing once
// stopped.
//
// Not thread-safe; movable (a moved-from decoder may only be destroyed or assigned to).
#pragma once

#include "dns/doh/DohRecorder.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mamori::dns {

class Http1Connection;
class Http2Connection;

class DohStreamDecoder {
public:
    using Verdict = DohVerdict;
    // Http2Joined: HTTP/2 whose start was not seen (the first write was frames, not the
    // preface), read from its request bodies only.
    enum class Protocol { Unknown, Http1, Http2, Http2Joined };

    // Reads seen before the first write told the protocol are kept up to this many bytes.
    static constexpr std::size_t kMaxEarlyReads = std::size_t{16} * 1024;

    DohStreamDecoder();
    DohStreamDecoder(DohStreamDecoder&&) noexcept;
    DohStreamDecoder& operator=(DohStreamDecoder&&) noexcept;
    DohStreamDecoder(const DohStreamDecoder&) = delete;
    DohStreamDecoder& operator=(const DohStreamDecoder&) = delete;
    ~DohStreamDecoder();

    // Throw MamoriError(InvalidArgs) when totalLength < bytes.size(), changing nothing.
    void onWrite(std::span<const uint8_t> bytes, uint32_t totalLength);
    void onRead(std::span<const uint8_t> bytes, uint32_t totalLength);

    Verdict verdict() const { return recorder_->verdict(); }
    bool stopped() const { return stopped_; }
    Protocol protocol() const { return protocol_; }
    // The questions decoded since the last call, oldest first.
    std::vector<DohQuestion> takeQuestions() { return recorder_->takeQuestions(); }
    const DohCounters& counters() const { return recorder_->counters(); }
    // The last problem met ("HTTP/2 HPACK: ...", "DoH DNS message: ..."), for logs.
    const std::string& lastProblem() const { return recorder_->lastProblem(); }

private:
    struct EarlyRead {
        std::vector<uint8_t> bytes;
        std::size_t missing = 0;
    };

    void write(std::span<const uint8_t> bytes, std::size_t missing);
    void read(std::span<const uint8_t> bytes, std::size_t missing);
    std::span<const uint8_t> sniff(std::span<const uint8_t> bytes);
    void start(Protocol protocol);
    void keepEarlyRead(std::span<const uint8_t> bytes, std::size_t missing);
    void settle();
    void stop();

    std::unique_ptr<DohRecorder> recorder_;
    std::unique_ptr<Http1Connection> http1_;
    std::unique_ptr<Http2Connection> http2_;
    Protocol protocol_ = Protocol::Unknown;
    bool stopped_ = false;
    std::vector<uint8_t> sniffed_; // the client's first bytes while they match the preface
    std::vector<EarlyRead> earlyReads_;
    std::size_t earlyReadBytes_ = 0;
    bool earlyReadsLost_ = false;
};

} // namespace mamori::dns
