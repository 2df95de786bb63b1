#include "dns/doh/HpackInflater.h"

#include <algorithm>
#include <new>
#include <nghttp2/nghttp2.h>

namespace mamori::dns {

void HpackInflater::Free::operator()(nghttp2_hd_inflater* inflater) const {
    nghttp2_hd_inflate_del(inflater);
}

HpackInflater::HpackInflater() {
    nghttp2_hd_inflater* inflater = nullptr;
    if (nghttp2_hd_inflate_new(&inflater) != 0) {
        throw std::bad_alloc();
    }
    inflater_.reset(inflater);
}

bool HpackInflater::feed(std::span<const uint8_t> piece, bool last, const FieldSink& onField) {
    if (broken_) {
        return false;
    }
    inBlock_ = true;
    const uint8_t* data = piece.data();
    std::size_t size = piece.size();
    while (true) {
        nghttp2_nv field{};
        int flags = 0;
        const ssize_t used =
            nghttp2_hd_inflate_hd2(inflater_.get(), &field, &flags, data, size, last ? 1 : 0);
        if (used < 0) {
            return fail(std::string("HPACK: ") + nghttp2_strerror(static_cast<int>(used)));
        }
        if (used == 0 && size > 0 && flags == 0) {
            return fail("HPACK: inflater made no progress");
        }
        data += used;
        size -= static_cast<std::size_t>(used);
        if ((flags & NGHTTP2_HD_INFLATE_EMIT) != 0) {
            onField({reinterpret_cast<const char*>(field.name), field.namelen},
                    {reinterpret_cast<const char*>(field.value), field.valuelen});
        }
        if ((flags & NGHTTP2_HD_INFLATE_FINAL) != 0) {
            nghttp2_hd_inflate_end_headers(inflater_.get());
            inBlock_ = false;
            return true;
        }
        if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && size == 0) {
            // nghttp2 guarantees FINAL once a last piece is consumed; without it the block
            // did not end where its frames said.
            return last ? fail("HPACK: header block ends inside a field") : true;
        }
    }
}

bool HpackInflater::setTableSizeLimit(uint32_t settingsValue) {
    if (broken_) {
        return false;
    }
    const std::size_t size = std::min<std::size_t>(settingsValue, kMaxTableSize);
    const int rv = nghttp2_hd_inflate_change_table_size(inflater_.get(), size);
    if (rv != 0) {
        return fail(std::string("HPACK table size change: ") + nghttp2_strerror(rv));
    }
    return true;
}

bool HpackInflater::fail(std::string what) {
    broken_ = true;
    error_ = std::move(what);
    return false;
}

} // namespace mamori::dns
