#include "dns/doh/Http2FrameReader.h"

#include <algorithm>

namespace mamori::dns {

std::size_t Http2FrameReader::feed(std::span<const uint8_t> bytes) {
    const std::size_t size = bytes.size();
    while (!bytes.empty() && !stopped_) {
        if (!inPayload_) {
            const std::size_t n = std::min(bytes.size(), header_.size() - headerFill_);
            std::copy_n(bytes.begin(), n,
                        header_.begin() + static_cast<std::ptrdiff_t>(headerFill_));
            headerFill_ += n;
            bytes = bytes.subspan(n);
            if (headerFill_ < header_.size()) {
                break;
            }
            headerFill_ = 0;
            frame_.length = uint32_t{header_[0]} << 16 | uint32_t{header_[1]} << 8 | header_[2];
            frame_.type = header_[3];
            frame_.flags = header_[4];
            frame_.streamId = (uint32_t{header_[5]} << 24 | uint32_t{header_[6]} << 16 |
                               uint32_t{header_[7]} << 8 | header_[8]) &
                              0x7FFFFFFF;
            offset_ = 0;
            inPayload_ = true;
            handler_.onFrameStart(frame_);
            if (frame_.length == 0 && !stopped_) {
                finishFrame();
            }
            continue;
        }
        const std::size_t n = std::min<std::size_t>(bytes.size(), frame_.length - offset_);
        handler_.onFramePayload(frame_, offset_, bytes.first(n));
        offset_ += n;
        bytes = bytes.subspan(n);
        if (offset_ == frame_.length && !stopped_) {
            finishFrame();
        }
    }
    return size - bytes.size();
}

bool Http2FrameReader::skip(std::size_t missing) {
    if (missing == 0 || stopped_) {
        return !stopped_;
    }
    if (!inPayload_ || missing > frame_.length - offset_) {
        stopped_ = true;
        return false;
    }
    handler_.onFramePayloadGap(frame_, offset_, missing);
    offset_ += missing;
    if (offset_ == frame_.length && !stopped_) {
        finishFrame();
    }
    return !stopped_;
}

void Http2FrameReader::finishFrame() {
    inPayload_ = false;
    handler_.onFrameEnd(frame_);
}

} // namespace mamori::dns
