// An HPACK decoder (RFC 7541) for the header blocks one side of an HTTP/2 connection sends:
// libnghttp2's inflater, fed each block in the pieces its frames arrive in. Its dynamic table
// must see every block the peer's encoder produced, in order; once a block fails to decode,
// the table is unknown and the inflater refuses all further input (broken()).
//
// Bounded: the dynamic table is at most kMaxTableSize bytes (RFC 7541 size accounting) even
// when SETTINGS allow more — an encoder that really uses more then fails to decode, which is
// counted rather than paid for in memory — and nghttp2 refuses a single field over 64 KiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct nghttp2_hd_inflater;

namespace mamori::dns {

class HpackInflater {
public:
    static constexpr std::size_t kMaxTableSize = std::size_t{64} * 1024;
    using FieldSink = std::function<void(std::string_view name, std::string_view value)>;

    // Throws std::bad_alloc when nghttp2 cannot allocate one.
    HpackInflater();

    // Part of a header block; `last` on its final part (which may be empty). Calls `onField`
    // for each field decoded. False when the block does not decode: the inflater is broken.
    bool feed(std::span<const uint8_t> piece, bool last, const FieldSink& onField);
    // SETTINGS_HEADER_TABLE_SIZE the peer's encoder now follows (clamped to kMaxTableSize).
    // Only between blocks; false (and broken) otherwise.
    bool setTableSizeLimit(uint32_t settingsValue);

    bool broken() const { return broken_; }
    bool inBlock() const { return inBlock_; }
    // What went wrong, for logs ("" while not broken).
    const std::string& error() const { return error_; }

private:
    struct Free {
        void operator()(nghttp2_hd_inflater* inflater) const;
    };

    bool fail(std::string what);

    std::unique_ptr<nghttp2_hd_inflater, Free> inflater_;
    bool broken_ = false;
    bool inBlock_ = false;
    std::string error_;
};

} // namespace mamori::dns
