#include "dns/doh/Base64Url.h"

#include <array>

namespace mamori::dns::base64url {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int kInvalid = -1;

constexpr std::array<int, 256> makeValues() {
    std::array<int, 256> values{};
    values.fill(kInvalid);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
    }
    return values;
}

constexpr std::array<int, 256> kValues = makeValues();

char digit(uint32_t bits, int shift) {
    return kAlphabet[(bits >> shift) & 0x3F];
}

} // namespace

std::string encode(std::span<const uint8_t> bytes) {
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t bits = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
        text += {digit(bits, 18), digit(bits, 12), digit(bits, 6), digit(bits, 0)};
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const uint32_t bits = uint32_t{bytes[i]} << 16;
        text += {digit(bits, 18), digit(bits, 12)};
    } else if (rest == 2) {
        const uint32_t bits = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8;
        text += {digit(bits, 18), digit(bits, 12), digit(bits, 6)};
    }
    return text;
}

std::optional<std::vector<uint8_t>> decode(std::string_view text) {
    std::size_t padding = 0;
    while (padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) {
        return std::nullopt;
    }
    text.remove_suffix(padding);
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::vector<uint8_t> bytes;
    bytes.reserve(text.size() * 3 / 4);
    uint32_t bits = 0;
    int pending = 0;
    for (const char c : text) {
        const int value = kValues[static_cast<unsigned char>(c)];
        if (value == kInvalid) {
            return std::nullopt;
        }
        bits = (bits << 6 | static_cast<uint32_t>(value)) & 0xFFFFFF;
        pending += 6;
        if (pending >= 8) {
            pending -= 8;
            bytes.push_back(static_cast<uint8_t>(bits >> pending));
        }
    }
    return bytes;
}

} // namespace mamori::dns::base64url
