#include "dns/doh/DohStreamDecoder.h"

#include "common/Errors.h"
#include "dns/doh/Http1Connection.h"
#include "dns/doh/Http2Connection.h"
#include "dns/doh/Http2FrameReader.h"

#include <string>
#include <string_view>
#include <utility>

namespace mamori::dns {

namespace {

// RFC 9113 section 3.4.
constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// The default SETTINGS_MAX_FRAME_SIZE (RFC 9113 section 6.5.2); DoH messages fit far below.
constexpr uint32_t kMaxFrameLength = 16384;

// Whether a connection's first write seen is whole HTTP/2 frames: a client joined mid-connection
// (the probes arrived after it started) writes frames, each call ending at a frame boundary
// unless bytes were not copied. An HTTP/1.x request never passes: its first letter alone makes
// a length over 4 MiB.
bool startsWithHttp2Frames(std::span<const uint8_t> bytes, std::size_t missing) {
    std::size_t at = 0;
    while (at + http2::kFrameHeaderSize <= bytes.size()) {
        const uint32_t length =
            uint32_t{bytes[at]} << 16 | uint32_t{bytes[at + 1]} << 8 | bytes[at + 2];
        const uint8_t type = bytes[at + 3];
        const bool reservedBit = (bytes[at + 5] & 0x80) != 0;
        if (length > kMaxFrameLength || type > http2::Continuation || reservedBit) {
            return false;
        }
        at += http2::kFrameHeaderSize + length;
    }
    return at > 0 && (at == bytes.size() || (missing > 0 && at > bytes.size()));
}

std::size_t missingOf(std::span<const uint8_t> bytes, uint32_t totalLength, const char* call) {
    if (totalLength < bytes.size()) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          std::string("DohStreamDecoder::") + call + ": totalLength " +
                              std::to_string(totalLength) + " is less than the " +
                              std::to_string(bytes.size()) + " bytes given");
    }
    return totalLength - bytes.size();
}

} // namespace

DohStreamDecoder::DohStreamDecoder()
    : recorder_(std::make_unique<DohRecorder>()) {}

DohStreamDecoder::DohStreamDecoder(DohStreamDecoder&&) noexcept = default;
DohStreamDecoder& DohStreamDecoder::operator=(DohStreamDecoder&&) noexcept = default;
DohStreamDecoder::~DohStreamDecoder() = default;

void DohStreamDecoder::onWrite(std::span<const uint8_t> bytes, uint32_t totalLength) {
    const std::size_t missing = missingOf(bytes, totalLength, "onWrite");
    recorder_->noteCall(missing);
    write(bytes, missing);
    settle();
}

void DohStreamDecoder::onRead(std::span<const uint8_t> bytes, uint32_t totalLength) {
    const std::size_t missing = missingOf(bytes, totalLength, "onRead");
    recorder_->noteCall(missing);
    read(bytes, missing);
    settle();
}

void DohStreamDecoder::write(std::span<const uint8_t> bytes, std::size_t missing) {
    if (stopped_) {
        recorder_->onSkipped(bytes.size());
        return;
    }
    std::vector<uint8_t> joined;
    if (protocol_ == Protocol::Unknown && sniffed_.empty() &&
        startsWithHttp2Frames(bytes, missing)) {
        start(Protocol::Http2Joined);
    }
    if (protocol_ == Protocol::Unknown) {
        bytes = sniff(bytes);
        if (protocol_ == Protocol::Unknown) {
            if (missing > 0) {
                recorder_->gaveUp("bytes missing before the protocol was known");
                stop();
            }
            return;
        }
        if (protocol_ == Protocol::Http1) {
            // The bytes that looked like the preface and the rest are one start of the stream
            // (HTTP/1.1 resynchronises at call starts, so this must not look like two calls).
            joined = std::exchange(sniffed_, {});
            joined.insert(joined.end(), bytes.begin(), bytes.end());
            bytes = joined;
        }
    }
    if (http1_) {
        http1_->onWrite(bytes);
        http1_->onWriteGap(missing);
    } else if (http2_) {
        http2_->onWrite(bytes);
        http2_->onWriteGap(missing);
    }
}

void DohStreamDecoder::read(std::span<const uint8_t> bytes, std::size_t missing) {
    if (stopped_) {
        recorder_->onSkipped(bytes.size());
        return;
    }
    if (protocol_ == Protocol::Unknown) {
        keepEarlyRead(bytes, missing);
        return;
    }
    if (http1_) {
        http1_->onRead(bytes);
        http1_->onReadGap(missing);
    } else if (http2_) {
        http2_->onRead(bytes);
        http2_->onReadGap(missing);
    }
}

// Consumes the bytes that still match the HTTP/2 preface; the first that does not, or the end
// of the preface, decides the protocol. Returns what follows.
std::span<const uint8_t> DohStreamDecoder::sniff(std::span<const uint8_t> bytes) {
    std::size_t n = 0;
    while (n < bytes.size() && sniffed_.size() < kPreface.size() &&
           bytes[n] == static_cast<uint8_t>(kPreface[sniffed_.size()])) {
        sniffed_.push_back(bytes[n]);
        ++n;
    }
    if (sniffed_.size() == kPreface.size()) {
        sniffed_.clear();
        start(Protocol::Http2);
        return bytes.subspan(n);
    }
    if (n < bytes.size()) {
        start(Protocol::Http1);
        return bytes.subspan(n);
    }
    return {};
}

void DohStreamDecoder::start(Protocol protocol) {
    protocol_ = protocol;
    if (protocol == Protocol::Http1) {
        http1_ = std::make_unique<Http1Connection>(*recorder_);
    } else {
        http2_ = std::make_unique<Http2Connection>(*recorder_,
                                                   protocol == Protocol::Http2Joined
                                                       ? Http2Connection::Start::Joined
                                                       : Http2Connection::Start::Preface);
        sniffed_ = {};
    }
    auto early = std::exchange(earlyReads_, {});
    earlyReadBytes_ = 0;
    for (const auto& chunk : early) {
        read(chunk.bytes, chunk.missing);
    }
    if (std::exchange(earlyReadsLost_, false)) {
        // The start of the read direction is gone: as if bytes were missing there.
        read({}, 1);
    }
}

void DohStreamDecoder::keepEarlyRead(std::span<const uint8_t> bytes, std::size_t missing) {
    if (earlyReadsLost_ || earlyReadBytes_ + bytes.size() > kMaxEarlyReads) {
        recorder_->onSkipped(earlyReadBytes_ + bytes.size());
        earlyReads_ = {};
        earlyReadBytes_ = 0;
        earlyReadsLost_ = true;
        return;
    }
    earlyReads_.push_back(EarlyRead{{bytes.begin(), bytes.end()}, missing});
    earlyReadBytes_ += bytes.size();
}

void DohStreamDecoder::settle() {
    if (stopped_) {
        return;
    }
    if (recorder_->verdict() == Verdict::NotDoh || (http2_ && http2_->writeStopped())) {
        stop();
    }
}

void DohStreamDecoder::stop() {
    stopped_ = true;
    http1_.reset();
    http2_.reset();
    sniffed_ = {};
    earlyReads_ = {};
    earlyReadBytes_ = 0;
}

} // namespace mamori::dns
