// Hexadecimal digits, shared by the parsers that read them (rule language, packet bytes on the
// command line, Bluetooth UUIDs).
#pragma once

#include <algorithm>
#include <string_view>

namespace mamori {

// The value of one hex digit, or -1 when `c` is not one.
constexpr int hexDigitValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

constexpr bool isHexDigits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return hexDigitValue(c) >= 0; });
}

} // namespace mamori
