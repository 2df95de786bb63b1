// Queries and answer checks for the upstream tests (a handful of bytes each; the transports must
// not depend on the parser they are tested with).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::test {

inline std::vector<uint8_t> makeQuery(uint16_t id, const std::string& name, uint16_t type,
                                      bool edns = false) {
    std::vector<uint8_t> q = {static_cast<uint8_t>(id >> 8),
                              static_cast<uint8_t>(id & 0xff),
                              0x01,
                              0x00,
                              0,
                              1,
                              0,
                              0,
                              0,
                              0,
                              0,
                              static_cast<uint8_t>(edns ? 1 : 0)};
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        q.push_back(static_cast<uint8_t>(dot - start));
        q.insert(q.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                 name.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    q.push_back(0);
    q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type & 0xff), 0, 1});
    if (edns) {
        q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}); // OPT, 1232 bytes, no options
    }
    return q;
}

// 0 past the end: a failed query's empty answer makes the test's expectations fail, not crash.
inline uint16_t u16(const std::vector<uint8_t>& m, std::size_t at) {
    if (at + 1 >= m.size()) {
        return 0;
    }
    return static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
}

inline std::size_t skipName(const std::vector<uint8_t>& m, std::size_t at) {
    while (at < m.size()) {
        if ((m[at] & 0xc0) == 0xc0) {
            return at + 2;
        }
        if (m[at] == 0) {
            return at + 1;
        }
        at += 1 + m[at];
    }
    return m.size();
}

// The answer section's records of `type` (rdata bytes), in order.
inline std::vector<std::vector<uint8_t>> answerRdata(const std::vector<uint8_t>& m, uint16_t type) {
    std::vector<std::vector<uint8_t>> out;
    if (m.size() < 12) {
        return out;
    }
    std::size_t at = 12;
    for (unsigned i = 0; i < u16(m, 4); ++i) {
        at = skipName(m, at) + 4;
    }
    for (unsigned i = 0; i < u16(m, 6) && at < m.size(); ++i) {
        at = skipName(m, at);
        if (at + 10 > m.size()) {
            break;
        }
        const uint16_t rrType = u16(m, at);
        const std::size_t length = u16(m, at + 8);
        at += 10;
        if (at + length > m.size()) {
            break;
        }
        if (rrType == type) {
            out.emplace_back(m.begin() + static_cast<std::ptrdiff_t>(at),
                             m.begin() + static_cast<std::ptrdiff_t>(at + length));
        }
        at += length;
    }
    return out;
}

// The first A record of the answer as dotted quad; empty if none.
inline std::string firstA(const std::vector<uint8_t>& m) {
    const auto records = answerRdata(m, 1);
    if (records.empty() || records[0].size() != 4) {
        return {};
    }
    const auto& r = records[0];
    return std::to_string(r[0]) + "." + std::to_string(r[1]) + "." + std::to_string(r[2]) + "." +
           std::to_string(r[3]);
}

} // namespace mamori::test
