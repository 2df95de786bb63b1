// doh_http1_server --listen ADDR:PORT --cert PEM --key PEM --upstream ADDR:PORT [--www DIR]:
// a small DNS-over-HTTPS server for the tests that speaks HTTP/1.1 only. unbound's own DoH is
// HTTP/2 only, so this is what makes clients (curl, kdig, apps under the DoH monitor) use
// HTTP/1.1 DoH: TLS with the given certificate, ALPN offering "http/1.1" alone. It answers
// `GET /dns-query?dns=<base64url>` and `POST /dns-query` (application/dns-message) by forwarding
// the DNS message to the upstream over UDP (TCP when the answer comes back truncated), with keep-
// alive and pipelining; with --www, other GETs are served from DIR, so a non-DoH HTTPS request
// goes through the same server; anything else is 404. One line per request on stderr
// (`METHOD PATH -> STATUS`) lets tests count what reached it. Prints "ready" on stdout once it
// listens; exits 0 on SIGTERM or SIGINT. Requests are bounded (8 KiB of headers, a 64 KiB body),
// as are connections (64, idle ones closed after 30 s); an upstream exchange blocks the loop for
// at most 2 s per transport.
#include "common/Errors.h"
#include "common/Log.h"
#include "common/UniqueFd.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using mamori::ErrorCode;
using mamori::MamoriError;
using mamori::UniqueFd;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHeaderBytes = 8192;
constexpr std::size_t kMaxBodyBytes = 65535; // a DNS message's own limit
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxPendingOutput = 1 << 20; // past this, stop reading until it drains
constexpr std::size_t kDnsHeaderBytes = 12;
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kUpstreamTimeout = std::chrono::seconds(2);

// ---- command line -------------------------------------------------------------------------

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

struct Endpoint {
    sockaddr_storage address{};
    socklen_t length = 0;

    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&address); }
    int family() const { return address.ss_family; }
};

// "192.0.2.1:443" or "[2001:db8::1]:443".
Endpoint parseEndpoint(const std::string& option, const std::string& text) {
    const auto colon = text.rfind(':');
    const auto bad = [&] {
        return MamoriError(ErrorCode::InvalidArgs,
                           option + " \"" + text + "\": expected ADDR:PORT with a numeric address");
    };
    if (colon == std::string::npos || colon + 1 == text.size()) {
        throw bad();
    }
    std::string host = text.substr(0, colon);
    const std::string portText = text.substr(colon + 1);
    if (!std::all_of(portText.begin(), portText.end(), isDigit) || portText.size() > 5 ||
        std::stoi(portText) > 65535) {
        throw bad();
    }
    const auto port = htons(static_cast<uint16_t>(std::stoi(portText)));
    Endpoint endpoint;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&endpoint.address);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = port;
        if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) != 1) {
            throw bad();
        }
        endpoint.length = sizeof(sockaddr_in6);
        return endpoint;
    }
    auto* v4 = reinterpret_cast<sockaddr_in*>(&endpoint.address);
    v4->sin_family = AF_INET;
    v4->sin_port = port;
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) {
        throw bad();
    }
    endpoint.length = sizeof(sockaddr_in);
    return endpoint;
}

struct Options {
    Endpoint listen;
    Endpoint upstream;
    std::string certificateFile;
    std::string keyFile;
    std::filesystem::path wwwRoot; // empty: no files served
};

constexpr const char* kUsage = "usage: doh_http1_server --listen ADDR:PORT --cert PEM --key PEM "
                               "--upstream ADDR:PORT [--www DIR]";

Options parseOptions(int argc, char** argv) {
    std::map<std::string, std::string> values;
    const std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); i += 2) {
        const std::string& name = args[i];
        if (name != "--listen" && name != "--cert" && name != "--key" && name != "--upstream" &&
            name != "--www") {
            throw MamoriError(ErrorCode::InvalidArgs, "unknown option \"" + name + "\"");
        }
        if (i + 1 == args.size()) {
            throw MamoriError(ErrorCode::InvalidArgs, name + " needs a value");
        }
        values[name] = args[i + 1];
    }
    for (const char* required : {"--listen", "--cert", "--key", "--upstream"}) {
        if (values.count(required) == 0) {
            throw MamoriError(ErrorCode::InvalidArgs, std::string(required) + " is required");
        }
    }
    Options options;
    options.listen = parseEndpoint("--listen", values["--listen"]);
    options.upstream = parseEndpoint("--upstream", values["--upstream"]);
    options.certificateFile = values["--cert"];
    options.keyFile = values["--key"];
    if (values.count("--www") != 0) {
        options.wwwRoot = values["--www"];
        if (!std::filesystem::is_directory(options.wwwRoot)) {
            throw MamoriError(ErrorCode::InvalidArgs,
                              "--www \"" + values["--www"] + "\" is not a directory");
        }
    }
    return options;
}

// ---- DNS upstream -------------------------------------------------------------------------

uint16_t dnsId(std::string_view message) {
    return static_cast<uint16_t>((static_cast<unsigned char>(message[0]) << 8) |
                                 static_cast<unsigned char>(message[1]));
}

bool truncated(std::string_view message) {
    return (static_cast<unsigned char>(message[2]) & 0x02) != 0;
}

int millisecondsUntil(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<long long>(left, 0));
}

// Waits for `events` on fd until the deadline.
bool waitFor(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int r = ::poll(&p, 1, millisecondsUntil(deadline));
        if (r > 0) {
            return true;
        }
        if (r == 0 || errno != EINTR) {
            return false;
        }
    }
}

std::optional<std::string> askOverUdp(const Endpoint& upstream, std::string_view query) {
    UniqueFd fd(::socket(upstream.family(), SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd || ::connect(fd.get(), upstream.get(), upstream.length) != 0 ||
        ::send(fd.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
        return std::nullopt;
    }
    const auto deadline = Clock::now() + kUpstreamTimeout;
    std::string answer(kMaxBodyBytes, '\0');
    while (waitFor(fd.get(), POLLIN, deadline)) {
        const ssize_t n = ::recv(fd.get(), answer.data(), answer.size(), 0);
        // A stray datagram (wrong ID, too short) is skipped, not taken for the answer.
        if (n >= static_cast<ssize_t>(kDnsHeaderBytes) && dnsId(answer) == dnsId(query)) {
            answer.resize(static_cast<std::size_t>(n));
            return answer;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// A non-blocking send or recv that returned `n` may be retried once the socket is ready.
bool retryable(ssize_t n) {
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

bool sendAll(int fd, std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (!retryable(n) || !waitFor(fd, POLLOUT, deadline)) {
            return false;
        }
    }
    return true;
}

bool receiveAll(int fd, std::string& into, std::size_t size, Clock::time_point deadline) {
    into.assign(size, '\0');
    std::size_t have = 0;
    while (have < size) {
        const ssize_t n = ::recv(fd, into.data() + have, size - have, 0);
        if (n > 0) {
            have += static_cast<std::size_t>(n);
            continue;
        }
        if (!retryable(n) || !waitFor(fd, POLLIN, deadline)) {
            return false; // also at end of file (n == 0)
        }
    }
    return true;
}

std::optional<std::string> askOverTcp(const Endpoint& upstream, std::string_view query) {
    UniqueFd fd(::socket(upstream.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        return std::nullopt;
    }
    const auto deadline = Clock::now() + kUpstreamTimeout;
    if (::connect(fd.get(), upstream.get(), upstream.length) != 0 &&
        (errno != EINPROGRESS || !waitFor(fd.get(), POLLOUT, deadline))) {
        return std::nullopt;
    }
    std::string framed;
    framed.push_back(static_cast<char>(query.size() >> 8));
    framed.push_back(static_cast<char>(query.size() & 0xff));
    framed.append(query);
    std::string lengthBytes;
    std::string answer;
    if (!sendAll(fd.get(), framed, deadline) || !receiveAll(fd.get(), lengthBytes, 2, deadline)) {
        return std::nullopt;
    }
    const auto length = static_cast<std::size_t>((static_cast<unsigned char>(lengthBytes[0]) << 8) |
                                                 static_cast<unsigned char>(lengthBytes[1]));
    if (length < kDnsHeaderBytes || !receiveAll(fd.get(), answer, length, deadline) ||
        dnsId(answer) != dnsId(query)) {
        return std::nullopt;
    }
    return answer;
}

std::optional<std::string> askUpstream(const Endpoint& upstream, std::string_view query) {
    auto answer = askOverUdp(upstream, query);
    if (answer && truncated(*answer)) {
        answer = askOverTcp(upstream, query);
    }
    return answer;
}

// ---- HTTP/1.1 -----------------------------------------------------------------------------

struct HttpRequest {
    std::string method;
    std::string path;
    std::string query;                          // after '?', without it
    std::map<std::string, std::string> headers; // names lower-cased; repeats joined with ','
    std::string body;
    bool keepAlive = true;

    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpResponse {
    int status = 200;
    std::string contentType;
    std::string body;
    std::string extraHeaders; // complete lines, each ending in \r\n
};

// What parsing the start of the input found: a complete request (`consumed` bytes long), the
// need for more bytes, or an error status to answer before closing.
struct ParseResult {
    enum class Kind { Complete, Incomplete, Error } kind = Kind::Incomplete;
    std::size_t consumed = 0;
    int errorStatus = 0;
    bool expectsContinue = false; // Incomplete, headers complete, client waits for 100
};

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(" \t");
    return std::string(text.substr(begin, end - begin + 1));
}

ParseResult failedWith(int status) {
    ParseResult result;
    result.kind = ParseResult::Kind::Error;
    result.errorStatus = status;
    return result;
}

bool parseRequestLine(std::string_view line, HttpRequest& request, int& errorStatus) {
    const auto firstSpace = line.find(' ');
    const auto lastSpace = line.rfind(' ');
    if (firstSpace == std::string_view::npos || firstSpace == lastSpace) {
        errorStatus = 400;
        return false;
    }
    request.method = std::string(line.substr(0, firstSpace));
    const std::string_view target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
    const std::string_view version = line.substr(lastSpace + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        errorStatus = version.rfind("HTTP/", 0) == 0 ? 505 : 400;
        return false;
    }
    if (target.empty() || target.front() != '/') {
        errorStatus = 400;
        return false;
    }
    const auto question = target.find('?');
    request.path = std::string(target.substr(0, question));
    request.query =
        question == std::string_view::npos ? "" : std::string(target.substr(question + 1));
    request.keepAlive = version == "HTTP/1.1";
    return true;
}

bool parseHeaderLines(std::string_view lines, HttpRequest& request) {
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const std::string_view line = lines.substr(0, end);
        lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 2);
        const auto colon = line.find(':');
        // No colon, an empty name, or obsolete line folding (a leading blank).
        if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
            line.front() == '\t') {
            return false;
        }
        const std::string name = lowercase(std::string(line.substr(0, colon)));
        const std::string value = trim(line.substr(colon + 1));
        auto [it, inserted] = request.headers.emplace(name, value);
        if (!inserted) {
            it->second += "," + value;
        }
    }
    return true;
}

// Parses one request from the front of `input` into `request`.
ParseResult parseRequest(std::string_view input, HttpRequest& request) {
    const auto headerEnd = input.find("\r\n\r\n");
    if (headerEnd == std::string_view::npos) {
        return input.size() > kMaxHeaderBytes ? failedWith(431) : ParseResult{};
    }
    if (headerEnd > kMaxHeaderBytes) {
        return failedWith(431);
    }
    request = HttpRequest{};
    const std::string_view head = input.substr(0, headerEnd);
    const auto lineEnd = head.find("\r\n");
    int status = 400;
    if (!parseRequestLine(head.substr(0, lineEnd), request, status)) {
        return failedWith(status);
    }
    if (lineEnd != std::string_view::npos && !parseHeaderLines(head.substr(lineEnd + 2), request)) {
        return failedWith(400);
    }
    const std::string connection = lowercase(request.header("connection"));
    if (connection == "close") {
        request.keepAlive = false;
    } else if (connection == "keep-alive") {
        request.keepAlive = true;
    }
    if (request.headers.count("transfer-encoding") != 0) {
        return failedWith(501); // chunked bodies: no DoH client needs them for a DNS message
    }
    const std::string lengthText = request.header("content-length");
    if (!std::all_of(lengthText.begin(), lengthText.end(), isDigit) || lengthText.size() > 9) {
        return failedWith(400); // also two differing content-length headers ("12,13")
    }
    const std::size_t length = lengthText.empty() ? 0 : std::stoul(lengthText);
    if (length > kMaxBodyBytes) {
        return failedWith(413);
    }
    const std::size_t total = headerEnd + 4 + length;
    if (input.size() < total) {
        ParseResult incomplete;
        incomplete.expectsContinue = lowercase(request.header("expect")) == "100-continue";
        return incomplete;
    }
    request.body = std::string(input.substr(headerEnd + 4, length));
    ParseResult complete;
    complete.kind = ParseResult::Kind::Complete;
    complete.consumed = total;
    return complete;
}

const char* reasonPhrase(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

std::string serialize(const HttpResponse& response, bool keepAlive, bool withBody) {
    std::ostringstream out;
    out << "HTTP/1.1 " << response.status << ' ' << reasonPhrase(response.status) << "\r\n";
    if (!response.contentType.empty()) {
        out << "content-type: " << response.contentType << "\r\n";
    }
    out << "content-length: " << response.body.size() << "\r\n"
        << "connection: " << (keepAlive ? "keep-alive" : "close") << "\r\n"
        << response.extraHeaders << "\r\n";
    if (withBody) {
        out << response.body;
    }
    return out.str();
}

HttpResponse plain(int status) {
    HttpResponse response;
    response.status = status;
    response.contentType = "text/plain";
    response.body = std::string(reasonPhrase(status)) + "\n";
    return response;
}

// ---- what the server answers --------------------------------------------------------------

// RFC 4648 section 5, padding optional (RFC 8484 sends none).
std::optional<std::string> base64UrlDecode(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '-') {
            value = 62;
        } else if (c == '_') {
            value = 63;
        }
        if (value < 0) {
            return std::nullopt;
        }
        bits = (bits << 6) | static_cast<uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xff));
        }
    }
    // A single leftover character carries less than a byte: not base64.
    return count >= 6 ? std::nullopt : std::optional<std::string>(std::move(out));
}

std::string queryParameter(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        query.remove_prefix(end == std::string_view::npos ? query.size() : end + 1);
        if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
            pair[name.size()] == '=') {
            return std::string(pair.substr(name.size() + 1));
        }
    }
    return {};
}

const char* contentTypeOf(const std::filesystem::path& file) {
    const std::string extension = file.extension().string();
    if (extension == ".html" || extension == ".htm") {
        return "text/html; charset=utf-8";
    }
    if (extension == ".txt") {
        return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
}

class Responder {
public:
    explicit Responder(const Options& options)
        : upstream_(options.upstream)
        , wwwRoot_(options.wwwRoot) {}

    HttpResponse respond(const HttpRequest& request) const {
        if (request.path == "/dns-query") {
            return dnsQuery(request);
        }
        if (!wwwRoot_.empty() && (request.method == "GET" || request.method == "HEAD")) {
            return file(request.path);
        }
        return plain(404);
    }

private:
    HttpResponse dnsQuery(const HttpRequest& request) const {
        std::optional<std::string> message;
        if (request.method == "GET") {
            message = base64UrlDecode(queryParameter(request.query, "dns"));
        } else if (request.method == "POST") {
            const std::string type = lowercase(request.header("content-type"));
            if (type.substr(0, type.find(';')) != "application/dns-message") {
                return plain(415);
            }
            message = request.body;
        } else {
            HttpResponse response = plain(405);
            response.extraHeaders = "allow: GET, POST\r\n";
            return response;
        }
        if (!message || message->size() < kDnsHeaderBytes || message->size() > kMaxBodyBytes) {
            return plain(400);
        }
        auto answer = askUpstream(upstream_, *message);
        if (!answer) {
            return plain(502);
        }
        HttpResponse response;
        response.contentType = "application/dns-message";
        response.body = std::move(*answer);
        return response;
    }

    // Only plain segments below the root: no "..", ".", empty segments or escapes.
    HttpResponse file(const std::string& path) const {
        std::filesystem::path relative;
        std::istringstream segments(path.substr(1));
        for (std::string segment; std::getline(segments, segment, '/');) {
            if (segment.empty() || segment == "." || segment == ".." ||
                segment.find_first_of("%\\") != std::string::npos) {
                return plain(404);
            }
            relative /= segment;
        }
        if (relative.empty()) {
            relative = "index.html";
        }
        const std::filesystem::path full = wwwRoot_ / relative;
        std::error_code ec;
        const auto size = std::filesystem::file_size(full, ec);
        if (ec || !std::filesystem::is_regular_file(full, ec) || size > kMaxFileBytes) {
            return plain(404);
        }
        std::ifstream in(full, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        HttpResponse response;
        response.contentType = contentTypeOf(full);
        response.body = content.str();
        return response;
    }

    Endpoint upstream_;
    std::filesystem::path wwwRoot_;
};

// ---- TLS connections ----------------------------------------------------------------------

struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

std::string openSslError() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        std::array<char, 256> buffer{};
        ERR_error_string_n(code, buffer.data(), buffer.size());
        text += (text.empty() ? "" : "; ") + std::string(buffer.data());
    }
    return text.empty() ? "unknown OpenSSL error" : text;
}

// One client: non-blocking TLS, requests parsed as they complete, answers queued in order.
class Connection {
public:
    Connection(UniqueFd fd, SSL_CTX* ctx, const Responder& responder)
        : fd_(std::move(fd))
        , ssl_(SSL_new(ctx))
        , responder_(responder) {
        if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.get()) != 1) {
            throw std::runtime_error("SSL_new: " + openSslError());
        }
    }

    int fd() const { return fd_.get(); }
    short events() const { return events_; }
    bool idle(Clock::time_point now) const { return now - lastActivity_ > kIdleTimeout; }

    // Does all the socket allows now; false once the connection is over.
    bool advance() {
        lastActivity_ = Clock::now();
        events_ = 0;
        if (!handshaken_ && !handshake()) {
            return false;
        }
        if (!handshaken_) {
            return true;
        }
        if (!closing_ && output_.size() < kMaxPendingOutput && !readRequests()) {
            return false;
        }
        return flush();
    }

private:
    bool handshake() {
        const int r = SSL_accept(ssl_.get());
        if (r == 1) {
            handshaken_ = true;
            return true;
        }
        return wouldBlock(r);
    }

    // Notes which readiness the pending operation needs; false for a real error.
    bool wouldBlock(int result) {
        switch (SSL_get_error(ssl_.get(), result)) {
        case SSL_ERROR_WANT_READ:
            events_ |= POLLIN;
            return true;
        case SSL_ERROR_WANT_WRITE:
            events_ |= POLLOUT;
            return true;
        default:
            ERR_clear_error();
            return false;
        }
    }

    bool readRequests() {
        std::array<char, 16384> buffer{};
        for (;;) {
            std::size_t n = 0;
            const int r = SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &n);
            if (r != 1) {
                if (SSL_get_error(ssl_.get(), r) == SSL_ERROR_ZERO_RETURN) {
                    closing_ = true; // close_notify: answer what came, then close
                    return true;
                }
                return wouldBlock(r);
            }
            input_.append(buffer.data(), n);
            handleInput();
            if (closing_) {
                return true;
            }
        }
    }

    void handleInput() {
        while (!closing_) {
            HttpRequest request;
            const ParseResult parsed = parseRequest(input_, request);
            if (parsed.kind == ParseResult::Kind::Incomplete) {
                if (parsed.expectsContinue && !continueSent_) {
                    output_ += "HTTP/1.1 100 Continue\r\n\r\n";
                    continueSent_ = true;
                }
                return;
            }
            if (parsed.kind == ParseResult::Kind::Error) {
                mamori::log::info("malformed request -> " + std::to_string(parsed.errorStatus));
                output_ += serialize(plain(parsed.errorStatus), false, true);
                closing_ = true;
                return;
            }
            input_.erase(0, parsed.consumed);
            continueSent_ = false;
            const HttpResponse response = responder_.respond(request);
            mamori::log::info(request.method + " " + request.path + " -> " +
                              std::to_string(response.status));
            output_ += serialize(response, request.keepAlive, request.method != "HEAD");
            closing_ = !request.keepAlive;
        }
    }

    bool flush() {
        while (!output_.empty()) {
            std::size_t written = 0;
            const int r = SSL_write_ex(ssl_.get(), output_.data(), output_.size(), &written);
            if (r != 1) {
                return wouldBlock(r);
            }
            output_.erase(0, written);
        }
        if (closing_) {
            SSL_shutdown(ssl_.get()); // best effort: the peer may be gone already
            return false;
        }
        events_ |= POLLIN;
        return true;
    }

    UniqueFd fd_;
    std::unique_ptr<SSL, SslFree> ssl_; // declared after fd_: freed before the fd closes
    const Responder& responder_;
    std::string input_;
    std::string output_;
    short events_ = POLLIN;
    bool handshaken_ = false;
    bool closing_ = false;
    bool continueSent_ = false;
    Clock::time_point lastActivity_ = Clock::now();
};

// Offers http/1.1 alone; a client that does not offer it gets no ALPN (and speaks HTTP/1.1
// all the same or gives up), never h2.
int selectHttp11(SSL* /*ssl*/, const unsigned char** out, unsigned char* outLength,
                 const unsigned char* in, unsigned int inLength, void* /*arg*/) {
    static const std::array<unsigned char, 9> kHttp11{8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    unsigned char selectedLength = 0;
    if (SSL_select_next_proto(&selected, &selectedLength, kHttp11.data(), kHttp11.size(), in,
                              inLength) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    *outLength = selectedLength;
    return SSL_TLSEXT_ERR_OK;
}

std::unique_ptr<SSL_CTX, SslCtxFree> makeTlsContext(const Options& options) {
    std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        throw std::runtime_error("SSL_CTX_new: " + openSslError());
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    // A client that half-closes TCP after its request still gets the answer: EOF without
    // close_notify reads as a clean end instead of an error.
    SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
    // The output buffer may grow (and move) between a blocked SSL_write and its retry.
    SSL_CTX_set_mode(ctx.get(),
                     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), options.certificateFile.c_str()) != 1) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "--cert \"" + options.certificateFile + "\": " + openSslError());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), options.keyFile.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "--key \"" + options.keyFile + "\": " + openSslError());
    }
    SSL_CTX_set_alpn_select_cb(ctx.get(), selectHttp11, nullptr);
    return ctx;
}

UniqueFd listenOn(const Endpoint& endpoint) {
    UniqueFd fd(::socket(endpoint.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const int on = 1;
    if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::bind(fd.get(), endpoint.get(), endpoint.length) != 0 || ::listen(fd.get(), 64) != 0) {
        throw std::runtime_error(std::string("--listen: ") + std::strerror(errno));
    }
    return fd;
}

// SIGTERM and SIGINT arrive as readable data on a descriptor the poll loop watches.
UniqueFd stopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
        throw std::runtime_error(std::string("sigprocmask: ") + std::strerror(errno));
    }
    UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) {
        throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
    }
    return fd;
}

class Server {
public:
    explicit Server(const Options& options)
        : ctx_(makeTlsContext(options))
        , responder_(options)
        , signals_(stopSignals())
        , listener_(listenOn(options.listen)) {}

    void run() {
        for (;;) {
            std::vector<pollfd> fds{{signals_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
            for (const auto& connection : connections_) {
                fds.push_back({connection->fd(), connection->events(), 0});
            }
            if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
                throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
            }
            if (fds[0].revents != 0) {
                return;
            }
            serve(fds);
            if (fds[1].revents != 0) {
                acceptAll();
            }
        }
    }

private:
    // fds[2 + i] belongs to connections_[i].
    void serve(const std::vector<pollfd>& fds) {
        const auto now = Clock::now();
        std::vector<std::unique_ptr<Connection>> alive;
        for (std::size_t i = 0; i < connections_.size(); ++i) {
            auto& connection = connections_[i];
            const bool ready = fds[2 + i].revents != 0;
            if (ready ? connection->advance() : !connection->idle(now)) {
                alive.push_back(std::move(connection));
            }
        }
        connections_ = std::move(alive);
    }

    void acceptAll() {
        for (;;) {
            UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
            if (!fd) {
                return;
            }
            if (connections_.size() >= kMaxConnections) {
                mamori::log::warning("too many connections: one refused");
                continue;
            }
            try {
                connections_.push_back(
                    std::make_unique<Connection>(std::move(fd), ctx_.get(), responder_));
            } catch (const std::exception& e) {
                mamori::log::warning(e.what());
            }
        }
    }

    std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
    Responder responder_;
    UniqueFd signals_;
    UniqueFd listener_;
    std::vector<std::unique_ptr<Connection>> connections_;
};

} // namespace

int main(int argc, char** argv) {
    mamori::log::setProgramName("doh_http1_server");
    std::signal(SIGPIPE, SIG_IGN);
    try {
        Server server(parseOptions(argc, argv));
        std::fputs("ready\n", stdout);
        std::fflush(stdout);
        server.run();
        return 0;
    } catch (const MamoriError& e) {
        mamori::log::error(e.what());
        std::fprintf(stderr, "%s\n", kUsage);
        return 2;
    } catch (const std::exception& e) {
        mamori::log::error(e.what());
        return 1;
    }
}
