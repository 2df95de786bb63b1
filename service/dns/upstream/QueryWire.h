// The few wire-format operations the transports need on a message they otherwise pass through
// untouched, on every datagram, without a full parse and without throwing: the id, the TC bit,
// the question (to match answers to queries), fresh ids. Padding is DnsMessage's padQuery().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace mamori::dns::wire {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kPaddingBlock = 128; // RFC 8467 block-length padding for queries

// 0 for a message shorter than a header (callers check the size first).
uint16_t idOf(std::span<const uint8_t> message);
void setId(std::vector<uint8_t>& message, uint16_t id);
bool isTruncated(std::span<const uint8_t> message);

// The bytes of the first question (name + type + class), if the message has a well-formed one.
std::optional<std::span<const uint8_t>> question(std::span<const uint8_t> message);
// Same question, names compared case-insensitively (a resolver may echo a different case).
bool sameQuestion(std::span<const uint8_t> query, std::span<const uint8_t> answer);

// A DNS id from the system's CSPRNG (ids must not be guessable by off-path spoofers).
uint16_t randomId();

} // namespace mamori::dns::wire
