// Splits one direction of an HTTP/2 connection (RFC 9113, after the client's preface) into
// frames: the 9-byte header, then the payload handed on in the pieces it arrived in — nothing
// is buffered but the header, whatever a frame's length.
//
// Missing bytes (skip()) that fall inside one frame's payload are handed on as a gap; the
// frame after it is read normally. Missing bytes anywhere else (in a header, or running past
// the payload's end) leave the reader without its place: it stops and ignores all further
// input, as it does after stop().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace mamori::dns {

namespace http2 {
constexpr std::size_t kFrameHeaderSize = 9;

enum FrameType : uint8_t {
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    Goaway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
};

enum Flag : uint8_t {
    EndStream = 0x1, // DATA, HEADERS
    Ack = 0x1,       // SETTINGS, PING
    EndHeaders = 0x4,
    Padded = 0x8,
    PriorityFlag = 0x20,
};

constexpr uint16_t kSettingsHeaderTableSize = 0x1;
} // namespace http2

struct Http2FrameHeader {
    uint32_t length = 0; // of the payload, 24 bits
    uint8_t type = 0;
    uint8_t flags = 0;
    uint32_t streamId = 0; // 31 bits, the reserved bit cleared
};

class Http2FrameReader {
public:
    class Handler {
    public:
        virtual void onFrameStart(const Http2FrameHeader& frame) = 0;
        // `offset`: where in the payload `piece` starts.
        virtual void onFramePayload(const Http2FrameHeader& frame, std::size_t offset,
                                    std::span<const uint8_t> piece) = 0;
        virtual void onFramePayloadGap(const Http2FrameHeader& frame, std::size_t offset,
                                       std::size_t missing) = 0;
        virtual void onFrameEnd(const Http2FrameHeader& frame) = 0;

    protected:
        Handler() = default;
        Handler(const Handler&) = default;
        Handler& operator=(const Handler&) = default;
        ~Handler() = default;
    };

    explicit Http2FrameReader(Handler& handler)
        : handler_(handler) {}

    // Returns how many bytes were read before the reader stopped (all of them otherwise).
    std::size_t feed(std::span<const uint8_t> bytes);
    // False when the reader lost its place (see above) or had stopped.
    bool skip(std::size_t missing);
    // Ignore all further input (a handler that cannot make sense of the stream any more).
    void stop() { stopped_ = true; }
    bool stopped() const { return stopped_; }

private:
    void finishFrame();

    Handler& handler_;
    std::array<uint8_t, http2::kFrameHeaderSize> header_{};
    std::size_t headerFill_ = 0;
    bool inPayload_ = false;
    Http2FrameHeader frame_;
    std::size_t offset_ = 0;
    bool stopped_ = false;
};

} // namespace mamori::dns
