// The HTTP/2 half of the DoH monitor for one TLS connection (RFC 9113): the frames the app
// wrote (the client side, after its preface) and those it read (the server side), each side
// with its own Http2FrameReader and HpackInflater so that both HPACK dynamic tables stay in
// step. Request heads go to the sink; a body it asks for is reassembled from the stream's
// DATA frames up to END_STREAM; response heads (:status, content-type) go to the sink too.
//
// HPACK table size: a side's encoder follows the SETTINGS_HEADER_TABLE_SIZE the *other* side
// sent, from the moment it acknowledges that SETTINGS frame (RFC 7541 section 4.2). So the
// server's SETTINGS, read, are applied to the write-side inflater when the client's SETTINGS
// ACK is written, and the other way round. A header block that starts with a table size
// update while such a change is still unacknowledged applies it at once (an encoder that acted
// before acknowledging).
//
// Bounds: at most kMaxStreams streams with a wanted body at once, kMaxBody bytes each and
// kMaxBufferedBodies together, header blocks of kMaxHeaderBlock bytes (compressed, and decoded
// fields); beyond, the stream is dropped and counted malformed — the block is still decoded,
// so the dynamic table stays in step.
//
// Missing bytes: inside a DATA payload they are skipped (a wanted body they cut is reported
// lost); inside a header block, or anywhere the frame boundaries are lost, that side's HPACK
// state or framing is gone and the side stops for good (writeStopped()/readStopped()).
// Unknown frame types are skipped, as RFC 9113 requires.
//
// Joined mid-connection (the probes arrived after the connection started, Start::Joined): the
// client's frames are followed from the first write seen, which must start at a frame; its
// header blocks are not decoded (the HPACK dynamic table built so far is unknown, and guessing
// would read wrong fields), so each request goes to the sink with fieldsUnknown and its body.
// What the app reads is skipped.
#pragma once

#include "dns/doh/HttpExchangeSink.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mamori::dns {

class Http2Connection {
public:
    static constexpr std::size_t kMaxStreams = 100;
    static constexpr std::size_t kMaxBody = std::size_t{64} * 1024;
    static constexpr std::size_t kMaxBufferedBodies = std::size_t{256} * 1024;
    static constexpr std::size_t kMaxHeaderBlock = std::size_t{64} * 1024;
    // SETTINGS frames one side sent that the other has not acknowledged yet.
    static constexpr std::size_t kMaxUnacknowledgedSettings = 16;

    enum class Start { Preface, Joined };

    explicit Http2Connection(HttpExchangeSink& sink, Start start = Start::Preface);
    Http2Connection(const Http2Connection&) = delete;
    Http2Connection& operator=(const Http2Connection&) = delete;
    ~Http2Connection();

    // What the client wrote after the 24-byte preface, and what it read.
    void onWrite(std::span<const uint8_t> bytes);
    void onWriteGap(std::size_t missing);
    void onRead(std::span<const uint8_t> bytes);
    void onReadGap(std::size_t missing);

    bool writeStopped() const;
    bool readStopped() const;

private:
    class Side;
    struct BlockFields;
    struct Stream {
        HttpRequestHead head;
        std::vector<uint8_t> body;
    };
    using Streams = std::unordered_map<uint32_t, Stream>;

    void onRequestBlock(uint32_t streamId, const BlockFields& fields, bool endStream);
    void onUnknownRequestBlock(uint32_t streamId, bool endStream);
    void openRequest(uint32_t streamId, HttpRequestHead head, bool endStream);
    void onResponseBlock(const BlockFields& fields);
    void onData(bool client, uint32_t streamId, std::span<const uint8_t> content);
    void onDataLost(bool client, uint32_t streamId);
    // A malformed DATA frame: counted once, its stream (if wanted) dropped.
    void onBadData(bool client, uint32_t streamId, std::string_view what);
    void onEndStream(bool client, uint32_t streamId);
    void onReset(uint32_t streamId);
    void onSideStopped(bool client);
    void complete(Streams::iterator stream);
    void drop(Streams::iterator stream, HttpProblem problem, std::string_view what);

    HttpExchangeSink& sink_;
    const bool joined_;
    Streams streams_;
    std::size_t bufferedBodies_ = 0;
    std::unique_ptr<Side> client_;
    std::unique_ptr<Side> server_;
};

} // namespace mamori::dns
