// The DNS-over-HTTPS servers that the DoH monitor's tests rely on, proved against real clients:
// unbound's own DoH (HTTP/2, ResolverNetns) answers curl (OpenSSL) and kdig (GnuTLS, POST and
// GET); doh_http1_server (HTTP/1.1 only, forwarding to the same unbound) answers curl's DoH over
// HTTP/1.1 and raw HTTP/1.1 requests from gnutls-cli: GET and POST DoH on one kept-alive
// connection, and a plain page (the "non-DoH HTTPS request"). Every certificate comes from the
// resolver's test CA. curl runs inside the resolver's namespace, which has no default route, so
// its final connection to the resolved 192.0.2.1 fails at once instead of leaving the machine.
// Skipped with the reason when not root or a client is missing.
#include "DnsTestMessages.h"
#include "DohHttp1ServerProcess.h"
#include "ResolverNetns.h"
#include "Subprocess.h"
#include "common/Errors.h"
#include "common/UniqueFd.h"

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace mamori::test {
namespace {

using namespace std::chrono_literals;

// ctest's PATH may lack the sbin directories.
std::string findTool(const std::string& name) {
    std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    path += ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::filesystem::path candidate = std::filesystem::path(dir) / name;
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return {};
}

std::size_t countOf(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

std::string base64Url(const std::vector<uint8_t>& bytes) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (const uint8_t byte : bytes) {
        bits = (bits << 8) | byte;
        count += 8;
        while (count >= 6) {
            count -= 6;
            out.push_back(kAlphabet[(bits >> count) & 0x3f]);
        }
    }
    if (count > 0) {
        out.push_back(kAlphabet[(bits << (6 - count)) & 0x3f]);
    }
    return out;
}

// An A answer's address as it travels: 4 bytes of rdata.
std::string addressBytes(const std::string& dotted) {
    std::string out;
    std::istringstream parts(dotted);
    for (std::string part; std::getline(parts, part, '.');) {
        out.push_back(static_cast<char>(std::stoi(part)));
    }
    return out;
}

// Runs argv with `input` on its stdin, which stays open until the program exits: gnutls-cli
// quits at end of input without waiting for the answers, so the server must close first.
RunResult converse(const std::vector<std::string>& argv, const std::string& input,
                   std::chrono::seconds timeout) {
    std::array<int, 2> in{};
    std::array<int, 2> out{};
    if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    UniqueFd inRead(in[0]);
    UniqueFd inWrite(in[1]);
    UniqueFd outRead(out[0]);
    UniqueFd outWrite(out[1]);
    std::vector<std::string> args = argv;
    std::vector<char*> pointers;
    pointers.reserve(args.size() + 1);
    for (auto& arg : args) {
        pointers.push_back(arg.data());
    }
    pointers.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(inRead.get(), STDIN_FILENO);
        ::dup2(outWrite.get(), STDOUT_FILENO);
        ::dup2(outWrite.get(), STDERR_FILENO);
        ::execv(pointers[0], pointers.data());
        ::_exit(127);
    }
    inRead.reset();
    outWrite.reset();
    RunResult result;
    if (pid < 0) {
        return result;
    }
    // A pipe holds far more than the few requests a test sends: this write does not block.
    if (::write(inWrite.get(), input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
        ::kill(pid, SIGKILL);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 4096> buffer{};
    for (;;) {
        pollfd p{outRead.get(), POLLIN, 0};
        if (std::chrono::steady_clock::now() > deadline || ::poll(&p, 1, 100) < 0) {
            ::kill(pid, SIGKILL);
            break;
        }
        if (p.revents == 0) {
            continue;
        }
        const ssize_t n = ::read(outRead.get(), buffer.data(), buffer.size());
        if (n <= 0) {
            break;
        }
        result.out.append(buffer.data(), static_cast<std::size_t>(n));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class DohServersTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const std::string reason = ResolverNetns::skipReason(); !reason.empty()) {
            GTEST_SKIP() << reason;
        }
    }

    static std::string missing(const std::string& tool, const std::string& package) {
        return "`" + tool + "` not installed (" + package + ", scripts/install-deps.sh)";
    }

    // curl inside the resolver's namespace: nothing answers there but the DoH servers.
    static RunResult curlIn(const ResolverNetns& resolver, const std::vector<std::string>& args) {
        Subprocess::Options options;
        options.argv = {findTool("ip"),
                        "netns",
                        "exec",
                        resolver.netnsName(),
                        findTool("curl"),
                        "-4",
                        "-sv",
                        "--connect-timeout",
                        "3",
                        "-m",
                        "10"};
        options.argv.insert(options.argv.end(), args.begin(), args.end());
        return Subprocess::run(options, 15.0);
    }

    // gnutls-cli to doh_http1_server at 10.53.1.1:8443, verifying it as doh1.test.
    static RunResult gnutlsCli(const ResolverNetns& resolver, const std::string& requests) {
        return converse({findTool("gnutls-cli"), "--x509cafile", resolver.caFile(), "-p", "8443",
                         "--sni-hostname", "doh1.test", "--verify-hostname", "doh1.test",
                         "10.53.1.1"},
                        requests, 15s);
    }

    static RunResult kdig(const ResolverNetns& resolver, const std::string& transport) {
        Subprocess::Options options;
        options.argv = {findTool("kdig"),
                        transport,
                        "@" + resolver.address(),
                        "+tls-ca=" + resolver.caFile(),
                        "+tls-hostname=" + resolver.tlsName(),
                        "+timeout=3",
                        "+retry=0",
                        "x.probe.test",
                        "A"};
        return Subprocess::run(options, 15.0);
    }
};

TEST_F(DohServersTest, CurlResolvesThroughUnboundDohOverHttp2) {
    if (findTool("curl").empty()) {
        GTEST_SKIP() << missing("curl", "curl");
    }
    ResolverNetns one(1);

    const RunResult curl =
        curlIn(one, {"--doh-url", one.dohUrl(), "--resolve", one.curlResolveArg(), "--cacert",
                     one.caFile(), "https://x.probe.test:9/"});

    // 7: resolved, then could not connect (6 would be a failed resolution).
    EXPECT_EQ(curl.exitCode, 7) << curl.err;
    EXPECT_NE(curl.err.find("ALPN: server accepted h2"), std::string::npos) << curl.err;
    EXPECT_NE(curl.err.find("Trying " + one.expectedA() + ":9"), std::string::npos) << curl.err;
}

TEST_F(DohServersTest, CurlWithAnUntrustedCaDoesNotResolve) {
    if (findTool("curl").empty()) {
        GTEST_SKIP() << missing("curl", "curl");
    }
    ResolverNetns one(1);

    // The system's CAs do not know the test CA: DoH must fail rather than fall back.
    const RunResult curl = curlIn(one, {"--doh-url", one.dohUrl(), "--resolve",
                                        one.curlResolveArg(), "https://x.probe.test:9/"});

    // curl 7.88 reports this failure as 27 ("out of memory"), later ones as 6; either way it
    // never got as far as connecting (7).
    EXPECT_NE(curl.exitCode, 0) << curl.err;
    EXPECT_NE(curl.exitCode, 7) << curl.err;
    EXPECT_NE(curl.err.find("SSL certificate problem"), std::string::npos) << curl.err;
    EXPECT_EQ(curl.err.find("Trying " + one.expectedA()), std::string::npos) << curl.err;
}

TEST_F(DohServersTest, CurlResolvesThroughTheHttp1OnlyServer) {
    if (findTool("curl").empty()) {
        GTEST_SKIP() << missing("curl", "curl");
    }
    ResolverNetns one(1);
    DohHttp1ServerProcess server("10.53.1.1:8443", one.issueCertificate("doh1.test"),
                                 one.address() + ":53");

    const RunResult curl = curlIn(one, {"--doh-url", "https://doh1.test:8443/dns-query",
                                        "--resolve", "doh1.test:8443:10.53.1.1", "--cacert",
                                        one.caFile(), "https://x.probe.test:9/"});

    EXPECT_EQ(curl.exitCode, 7) << curl.err;
    EXPECT_NE(curl.err.find("ALPN: server accepted http/1.1"), std::string::npos) << curl.err;
    EXPECT_NE(curl.err.find("POST /dns-query HTTP/1.1"), std::string::npos) << curl.err;
    EXPECT_NE(curl.err.find("Trying " + one.expectedA() + ":9"), std::string::npos) << curl.err;
    // -4: one A query, no AAAA.
    EXPECT_EQ(countOf(server.log(), "POST /dns-query -> 200"), 1u) << server.log();
    EXPECT_EQ(server.stop(), 0);
}

TEST_F(DohServersTest, CertificatesCanBeIssuedForAnAddressButNotForAPath) {
    if (findTool("curl").empty()) {
        GTEST_SKIP() << missing("curl", "curl");
    }
    ResolverNetns one(1);
    EXPECT_THROW(one.issueCertificate("../ca"), MamoriError);
    EXPECT_THROW(one.issueCertificate(""), MamoriError);
    DohHttp1ServerProcess server("10.53.1.1:8443", one.issueCertificate("10.53.1.1"),
                                 one.address() + ":53");

    // No --resolve: the URL's address is what the certificate must name.
    const RunResult curl = curlIn(one, {"--doh-url", "https://10.53.1.1:8443/dns-query", "--cacert",
                                        one.caFile(), "https://x.probe.test:9/"});

    EXPECT_EQ(curl.exitCode, 7) << curl.err;
    EXPECT_NE(curl.err.find("Trying " + one.expectedA() + ":9"), std::string::npos) << curl.err;
}

TEST_F(DohServersTest, KdigResolvesThroughUnboundDohWithPostAndGet) {
    if (findTool("kdig").empty()) {
        GTEST_SKIP() << missing("kdig", "knot-dnsutils");
    }
    ResolverNetns one(1);
    const std::regex answer(R"(x\.probe\.test\.\s+\d+\s+IN\s+A\s+)" +
                            std::regex_replace(one.expectedA(), std::regex("\\."), "\\.") + "\\s");

    for (const std::string transport : {"+https", "+https-get"}) {
        const RunResult result = kdig(one, transport);

        EXPECT_EQ(result.exitCode, 0) << transport << ": " << result.out << result.err;
        EXPECT_TRUE(std::regex_search(result.out, answer)) << transport << ": " << result.out;
        const std::string session = transport == "+https" ? "(HTTP/2-POST)" : "(HTTP/2-GET)";
        EXPECT_NE(result.out.find(session), std::string::npos) << transport << ": " << result.out;
    }
}

TEST_F(DohServersTest, GnutlsCliGetsAPageThatIsNotDoh) {
    if (findTool("gnutls-cli").empty()) {
        GTEST_SKIP() << missing("gnutls-cli", "gnutls-bin");
    }
    ResolverNetns one(1);
    const std::filesystem::path www =
        std::filesystem::temp_directory_path() / ("mamori-doh-www-" + std::to_string(::getpid()));
    std::filesystem::create_directories(www);
    std::ofstream(www / "index.html") << "<html><body>not a DNS message</body></html>\n";
    DohHttp1ServerProcess server("10.53.1.1:8443", one.issueCertificate("doh1.test"),
                                 one.address() + ":53", www.string());

    const RunResult client =
        gnutlsCli(one, "GET /index.html HTTP/1.1\r\nHost: doh1.test\r\nConnection: close\r\n\r\n");
    std::filesystem::remove_all(www);

    EXPECT_NE(client.out.find("HTTP/1.1 200 OK"), std::string::npos) << client.out;
    EXPECT_NE(client.out.find("content-type: text/html"), std::string::npos) << client.out;
    EXPECT_NE(client.out.find("<html><body>not a DNS message</body></html>"), std::string::npos)
        << client.out;
    EXPECT_EQ(countOf(server.log(), "GET /index.html -> 200"), 1u) << server.log();
    EXPECT_EQ(countOf(server.log(), "/dns-query"), 0u) << server.log();
}

TEST_F(DohServersTest, GnutlsCliGetsGetAndPostDohOnOneKeptAliveConnection) {
    if (findTool("gnutls-cli").empty()) {
        GTEST_SKIP() << missing("gnutls-cli", "gnutls-bin");
    }
    ResolverNetns one(1);
    DohHttp1ServerProcess server("10.53.1.1:8443", one.issueCertificate("doh1.test"),
                                 one.address() + ":53");
    const auto query = makeQuery(0, "x.probe.test", 1);
    const std::string body(query.begin(), query.end());

    const RunResult client =
        gnutlsCli(one, "GET /dns-query?dns=" + base64Url(query) +
                           " HTTP/1.1\r\nHost: doh1.test\r\nAccept: application/dns-message\r\n\r\n"
                           "GET /elsewhere HTTP/1.1\r\nHost: doh1.test\r\n\r\n"
                           "POST /dns-query HTTP/1.1\r\nHost: doh1.test\r\n"
                           "Content-Type: application/dns-message\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);

    const std::string log = server.log();
    EXPECT_EQ(countOf(client.out, "content-type: application/dns-message"), 2u) << client.out;
    EXPECT_EQ(countOf(client.out, addressBytes(one.expectedA())), 2u) << client.out;
    EXPECT_EQ(countOf(client.out, "HTTP/1.1 404 Not Found"), 1u) << client.out;
    EXPECT_EQ(countOf(log, "GET /dns-query -> 200"), 1u) << log;
    EXPECT_EQ(countOf(log, "GET /elsewhere -> 404"), 1u) << log;
    EXPECT_EQ(countOf(log, "POST /dns-query -> 200"), 1u) << log;
    EXPECT_EQ(server.stop(), 0);
}

TEST_F(DohServersTest, Http1ServerAnswersInFullWhatUdpTruncates) {
    if (findTool("gnutls-cli").empty()) {
        GTEST_SKIP() << missing("gnutls-cli", "gnutls-bin");
    }
    ResolverNetns one(1);
    DohHttp1ServerProcess server("10.53.1.1:8443", one.issueCertificate("doh1.test"),
                                 one.address() + ":53");
    constexpr uint16_t kTxt = 16;

    // big.probe.test's TXT records do not fit a 512-byte UDP answer: all 12 must arrive.
    const RunResult client =
        gnutlsCli(one, "GET /dns-query?dns=" + base64Url(makeQuery(0, "big.probe.test", kTxt)) +
                           " HTTP/1.1\r\nHost: doh1.test\r\nConnection: close\r\n\r\n");

    EXPECT_NE(client.out.find("content-type: application/dns-message"), std::string::npos)
        << client.out;
    EXPECT_EQ(countOf(client.out, std::string(100, 'a')), 12u) << client.out;
    EXPECT_EQ(countOf(server.log(), "GET /dns-query -> 200"), 1u) << server.log();
}

TEST(DohHttp1ServerUsageTest, MissingOptionIsNamed) {
    Subprocess::Options options;
    options.argv = {
        DOH_HTTP1_SERVER_PATH, "--listen", "127.0.0.1:8443", "--cert", "a.pem", "--key", "a.key"};

    const RunResult result = Subprocess::run(options, 10.0);

    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("--upstream is required"), std::string::npos) << result.err;
}

} // namespace
} // namespace mamori::test
