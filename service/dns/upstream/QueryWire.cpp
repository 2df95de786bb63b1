#include "dns/upstream/QueryWire.h"

#include <cctype>
#include <openssl/rand.h>
#include <random>

namespace mamori::dns::wire {
namespace {

uint16_t read16(std::span<const uint8_t> m, std::size_t at) {
    return static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
}

void write16(std::vector<uint8_t>& m, std::size_t at, uint16_t v) {
    m[at] = static_cast<uint8_t>(v >> 8);
    m[at + 1] = static_cast<uint8_t>(v & 0xff);
}

// Offset just past the (possibly compressed) name at `at`, or nothing if it runs off the end.
std::optional<std::size_t> skipName(std::span<const uint8_t> m, std::size_t at) {
    while (at < m.size()) {
        const uint8_t len = m[at];
        if ((len & 0xc0) == 0xc0) {
            return at + 2 <= m.size() ? std::optional(at + 2) : std::nullopt;
        }
        if ((len & 0xc0) != 0) {
            return std::nullopt;
        }
        at += 1 + len;
        if (len == 0) {
            return at <= m.size() ? std::optional(at) : std::nullopt;
        }
    }
    return std::nullopt;
}

} // namespace

uint16_t idOf(std::span<const uint8_t> message) {
    return message.size() < 2 ? 0 : read16(message, 0);
}

void setId(std::vector<uint8_t>& message, uint16_t id) {
    if (message.size() >= 2) {
        write16(message, 0, id);
    }
}

bool isTruncated(std::span<const uint8_t> message) {
    return message.size() >= 3 && (message[2] & 0x02) != 0;
}

std::optional<std::span<const uint8_t>> question(std::span<const uint8_t> message) {
    if (message.size() < kHeaderSize || read16(message, 4) == 0) {
        return std::nullopt;
    }
    const auto afterName = skipName(message, kHeaderSize);
    if (!afterName || *afterName + 4 > message.size()) {
        return std::nullopt;
    }
    return message.subspan(kHeaderSize, *afterName + 4 - kHeaderSize);
}

bool sameQuestion(std::span<const uint8_t> query, std::span<const uint8_t> answer) {
    const auto q = question(query);
    const auto a = question(answer);
    if (!q || !a || q->size() != a->size()) {
        return false;
    }
    // Byte-wise with ASCII case folding: length octets are < 64 and never letters, so folding
    // them is harmless.
    for (std::size_t i = 0; i < q->size(); ++i) {
        if (std::tolower((*q)[i]) != std::tolower((*a)[i])) {
            return false;
        }
    }
    return true;
}

uint16_t randomId() {
    uint16_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1) {
        // The CSPRNG failing is not a reason to stop resolving; fall back to the OS source.
        std::random_device device;
        id = static_cast<uint16_t>(device());
    }
    return id;
}

} // namespace mamori::dns::wire
