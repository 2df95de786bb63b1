// The decisions bpf/doh_monitor.h shares between the kernel program and user space, run here
// as the very code the program runs: which first writes the kernel may reject without a copy.
#include <algorithm>
#include <array>
#include <gtest/gtest.h>
#include <string_view>

// clang-format off
#include <linux/types.h>
#include "doh_monitor.h"
// clang-format on

namespace {

// The function's contract: DOH_REQUEST_LINE_SCAN + 2 readable bytes, the first `length` count.
// `after` fills the bytes past `length` (what the rest of a scratch buffer may hold).
int rejects(std::string_view text, std::string_view after = {}) {
    std::array<__u8, DOH_REQUEST_LINE_SCAN + 2> window{};
    const std::size_t length = std::min(text.size(), window.size());
    std::copy_n(text.begin(), length, window.begin());
    std::copy_n(after.begin(), std::min(after.size(), window.size() - length),
                window.begin() + static_cast<std::ptrdiff_t>(length));
    return doh_get_line_rejects(window.data(), static_cast<__u32>(text.size()));
}

TEST(DohMonitorRulesTest, RejectsOnlyCompleteGetLinesThatCannotCarryAQuery) {
    EXPECT_EQ(rejects("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"), 1);
    EXPECT_EQ(rejects("GET /index.html?q=1 HTTP/1.0\n"), 1);
    // The query must be in the "dns" parameter of a GET (RFC 8484), in any case or encoded.
    EXPECT_EQ(
        rejects("GET /dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB HTTP/1.1\r\n"), 0);
    EXPECT_EQ(rejects("GET /resolve?DNS=AAAB HTTP/1.1\r\n"), 0);
    EXPECT_EQ(rejects("GET /q?%64ns=AAAB HTTP/1.1\r\n"), 0);
    EXPECT_EQ(rejects("GET /q?Dns=AAAB HTTP/1.1\r\n"), 0);
    // "dns" in the Host header does not make the request line carry a query.
    EXPECT_EQ(rejects("GET / HTTP/1.1\r\nHost: dns.example\r\n\r\n"), 1);
}

TEST(DohMonitorRulesTest, LeavesEverythingElseToUserSpace) {
    // POST carries DoH with any path; HTTP/2 needs HPACK; nothing else is HTTP at all.
    EXPECT_EQ(rejects("POST / HTTP/1.1\r\nContent-Type: application/dns-message\r\n\r\n"), 0);
    EXPECT_EQ(rejects("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0);
    EXPECT_EQ(rejects("HEAD / HTTP/1.1\r\n"), 0);
    EXPECT_EQ(rejects("get / HTTP/1.1\r\n"), 0);
    EXPECT_EQ(rejects("GET"), 0);
    EXPECT_EQ(rejects(""), 0);
    // The request line does not end within what was copied: it could still name "dns".
    EXPECT_EQ(rejects("GET /very/long/path"), 0);
    EXPECT_EQ(rejects("GET /" + std::string(DOH_REQUEST_LINE_SCAN, 'a') + " HTTP/1.1\r\n"), 0);
}

TEST(DohMonitorRulesTest, BytesPastTheCopiedLengthNeverDecide) {
    // "d" is the last copied byte; "ns" and the line's end lie beyond: still undecided.
    EXPECT_EQ(rejects("GET /d", "ns HTTP/1.1\r\n"), 0);
    EXPECT_EQ(rejects("GET /x", "\r\n"), 0);
    // A line ending exactly at the scan limit is complete; one byte later it is not.
    const std::string path(DOH_REQUEST_LINE_SCAN - 5 - 1, 'a');
    EXPECT_EQ(rejects("GET /" + path + "\r"), 1);
    EXPECT_EQ(rejects("GET /" + path + "a\r"), 0);
}

TEST(DohMonitorRulesTest, KernelAndFinderShareTheLibraryNames) {
    const auto kind = [](std::string_view name) {
        // The kernel reads names into a NUL-padded 32-byte buffer.
        std::array<char, 32> buffer{};
        std::copy_n(name.begin(), std::min(name.size(), buffer.size() - 1), buffer.begin());
        return doh_library_of_name(buffer.data(), buffer.size());
    };
    EXPECT_EQ(kind("libssl.so.3"), DOH_LIBRARY_OPENSSL);
    EXPECT_EQ(kind("libgnutls.so.30"), DOH_LIBRARY_GNUTLS);
    EXPECT_EQ(kind("libgnutls-openssl.so.27"), DOH_LIBRARY_NONE);
    EXPECT_EQ(kind("libssl3.so"), DOH_LIBRARY_NONE);
}

} // namespace
