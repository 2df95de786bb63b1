// bpf/doh_monitor.bpf.c through DohProbes, for real: the probes go on this machine's libssl and
// libgnutls, and real TLS clients (curl, openssl s_client, gnutls-cli) talk to an
// `openssl s_server` on 127.0.0.1 with a certificate the test makes. Needs root (BPF, uprobes);
// skips otherwise, and when a tool is missing (openssl, curl, gnutls-bin).
#include "dns/doh/DohProbes.h"

#include "TlsPeers.h"
#include "common/Errors.h"
#include "kernel/BpfError.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

// clang-format off
#include <linux/types.h>
#include "doh_monitor.h"
// clang-format on

namespace mamori::dns {
namespace {

using namespace std::chrono_literals;
using test::Child;
using test::TlsServer;
using Kind = TlsEvent::Kind;
using Library = TlsEvent::Library;

constexpr std::string_view kServerName = TlsServer::kServerName;
// A DoH GET (RFC 8484's example query for www.example.com): "dns" keeps it from the kernel's
// early rejection.
constexpr std::string_view kDohPath = "/dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB";

std::string text(const std::vector<std::uint8_t>& bytes) {
    return {bytes.begin(), bytes.end()};
}

bool hasGnutls(const DohProbes& probes) {
    const auto libraries = probes.attachedLibraries();
    return std::any_of(libraries.begin(), libraries.end(), [](const std::filesystem::path& path) {
        return TlsLibraryFinder::tlsLibraryKind(path.filename().string()) ==
               FoundLibrary::Kind::GnuTls;
    });
}

bool toolMissing(const char* tool) {
    return !test::run({"sh", "-c", std::string("command -v ") + tool}, 10s);
}

// The probes with every event they delivered, pumped like mamorid's loop would.
class Monitor {
public:
    explicit Monitor(DohProbes::Scope scope = DohProbes::Scope::AllProcesses,
                     TlsLibraryFinder finder = TlsLibraryFinder())
        : probes_([this](const TlsEvent& event) { events_.push_back(event); }, scope,
                  std::move(finder)) {}

    DohProbes& probes() { return probes_; }
    const std::vector<TlsEvent>& events() const { return events_; }

    void pump() {
        pollfd watched{probes_.fd(), POLLIN, 0};
        ::poll(&watched, 1, 20);
        probes_.onReadable();
    }
    bool pumpUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pump();
            if (done()) {
                return true;
            }
        }
        return false;
    }
    void pumpFor(std::chrono::milliseconds time) {
        pumpUntil([] { return false; }, time);
    }

    std::vector<TlsEvent> of(pid_t pid, Kind kind) const {
        std::vector<TlsEvent> found;
        std::copy_if(events_.begin(), events_.end(), std::back_inserter(found),
                     [&](const TlsEvent& e) {
                         return e.pid == static_cast<std::uint32_t>(pid) && e.kind == kind;
                     });
        return found;
    }
    std::string dataOf(pid_t pid, Kind kind) const {
        std::string all;
        for (const auto& event : of(pid, kind)) {
            all += text(event.data);
        }
        return all;
    }
    bool wrote(pid_t pid, std::string_view needle) const {
        return dataOf(pid, Kind::Write).find(needle) != std::string::npos;
    }
    std::uint64_t dataBytes() const {
        std::uint64_t sum = 0;
        for (const auto& event : events_) {
            sum += event.data.size();
        }
        return sum;
    }

private:
    std::vector<TlsEvent> events_;
    DohProbes probes_;
};

class DohProbesTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root (CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN) for uprobes";
        }
        for (const char* tool : {"openssl", "curl"}) {
            if (toolMissing(tool)) {
                GTEST_SKIP() << tool << " is not installed";
            }
        }
    }

    // curl over HTTP/1.1 to `server` under kServerName (so that it sets SNI); returns its pid
    // after it ended with status 0.
    static pid_t curl(const TlsServer& server, std::string_view path,
                      const std::vector<std::string>& extra = {}) {
        const std::string port = std::to_string(server.port());
        std::vector<std::string> argv{"curl",
                                      "-sk",
                                      "--http1.1",
                                      "-o",
                                      "/dev/null",
                                      "--resolve",
                                      std::string(kServerName) + ":" + port + ":127.0.0.1"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back("https://" + std::string(kServerName) + ":" + port + std::string(path));
        Child child(argv, Child::Options{});
        const auto status = child.wait(30s);
        EXPECT_EQ(status, 0) << "curl " << path;
        return child.pid();
    }
};

TEST_F(DohProbesTest, AttachesToTheLibrariesProcessesMap) {
    TlsServer server(TlsServer::Mode::StatusPage);
    ASSERT_TRUE(server.ready());
    Monitor monitor;
    const auto libraries = monitor.probes().attachedLibraries();
    const auto ssl = TlsLibraryFinder().inProcess(server.pid());
    const auto openssl = std::find_if(ssl.begin(), ssl.end(), [](const FoundLibrary& l) {
        return l.kind == FoundLibrary::Kind::OpenSsl;
    });
    ASSERT_NE(openssl, ssl.end());
    EXPECT_NE(std::find(libraries.begin(), libraries.end(), openssl->path), libraries.end());
    EXPECT_FALSE(monitor.probes().watchedLoaders().empty());
}

TEST_F(DohProbesTest, CurlRequestServerNameAndResponseArrive) {
    TlsServer server(TlsServer::Mode::StatusPage);
    ASSERT_TRUE(server.ready());
    Monitor monitor;
    const pid_t pid = curl(server, kDohPath);
    ASSERT_TRUE(monitor.pumpUntil([&] {
        return monitor.wrote(pid, "GET /dns-query?dns=") && !monitor.of(pid, Kind::Read).empty();
    })) << "no request and response from curl (pid "
        << pid << ")";

    const auto names = monitor.of(pid, Kind::ServerName);
    ASSERT_EQ(names.size(), 1U);
    EXPECT_EQ(text(names[0].data), kServerName);
    EXPECT_EQ(names[0].library, Library::OpenSsl);
    EXPECT_EQ(names[0].comm, "curl");

    const auto writes = monitor.of(pid, Kind::Write);
    const std::string request = text(writes.front().data);
    EXPECT_TRUE(request.starts_with("GET " + std::string(kDohPath) + " HTTP/1.1\r\n")) << request;
    EXPECT_NE(request.find("Host: " + std::string(kServerName)), std::string::npos);
    EXPECT_EQ(writes.front().totalLength, writes.front().data.size());
    EXPECT_EQ(writes.front().connection, names[0].connection);
    EXPECT_EQ(writes.front().pid, writes.front().tid); // curl's single thread
    EXPECT_NE(writes.front().cgroupId, 0U);

    EXPECT_TRUE(monitor.dataOf(pid, Kind::Read).starts_with("HTTP/1.0 200 ok"))
        << monitor.dataOf(pid, Kind::Read).substr(0, 64);
    for (const auto& read : monitor.of(pid, Kind::Read)) {
        EXPECT_EQ(read.connection, names[0].connection);
    }
}

TEST_F(DohProbesTest, PlainGetCostsNoCopy) {
    TlsServer server(TlsServer::Mode::StatusPage);
    ASSERT_TRUE(server.ready());
    Monitor monitor;
    const auto before = monitor.probes().counters();
    const pid_t pid = curl(server, "/");
    ASSERT_TRUE(monitor.pumpUntil([&] { return !monitor.of(pid, Kind::ServerName).empty(); }));
    monitor.pumpUntil(
        [&] { return monitor.probes().counters().earlyRejected > before.earlyRejected; }, 2s);
    monitor.pumpFor(200ms);
    // The name always comes; "GET / HTTP/1.1" cannot carry a DoH query: neither the request
    // nor the response was copied.
    EXPECT_TRUE(monitor.of(pid, Kind::Write).empty());
    EXPECT_TRUE(monitor.of(pid, Kind::Read).empty());
    EXPECT_GT(monitor.probes().counters().earlyRejected, before.earlyRejected);

    // A browser-sized request (headers past the first size class) is rejected the same way.
    const pid_t padded =
        curl(server, "/index.html", {"-H", "X-Padding: " + std::string(1500, 'p')});
    ASSERT_TRUE(monitor.pumpUntil([&] { return !monitor.of(padded, Kind::ServerName).empty(); }));
    monitor.pumpFor(200ms);
    EXPECT_TRUE(monitor.of(padded, Kind::Write).empty());
    EXPECT_TRUE(monitor.of(padded, Kind::Read).empty());
}

TEST_F(DohProbesTest, LongDownloadCopiesNoMoreThanTheUndecidedBudget) {
    TlsServer server(TlsServer::Mode::Files);
    ASSERT_TRUE(server.ready());
    constexpr std::size_t kSize = std::size_t{1024} * 1024;
    std::ofstream(server.directory() / "dns-payload.bin") << std::string(kSize, 'x');
    Monitor monitor;
    const auto before = monitor.probes().counters();
    const auto bytesBefore = monitor.dataBytes();

    const pid_t pid = curl(server, "/dns-payload.bin");
    ASSERT_TRUE(monitor.pumpUntil([&] {
        return monitor.probes().counters().budgetSpent > before.budgetSpent &&
               !monitor.of(pid, Kind::Read).empty();
    }));
    monitor.pumpFor(300ms);

    // The path has "dns", so the request was copied; then reads until the budget was spent,
    // then nothing: a mebibyte went through, at most DOH_UNDECIDED_BUDGET bytes were copied.
    EXPECT_TRUE(monitor.wrote(pid, "GET /dns-payload.bin HTTP/1.1"));
    const auto copied =
        monitor.dataOf(pid, Kind::Write).size() + monitor.dataOf(pid, Kind::Read).size();
    EXPECT_GT(copied, 0U);
    EXPECT_LE(copied, static_cast<std::size_t>(DOH_UNDECIDED_BUDGET));
    std::uint64_t readTotal = 0;
    for (const auto& read : monitor.of(pid, Kind::Read)) {
        readTotal += read.totalLength;
    }
    EXPECT_LT(readTotal, kSize); // the reads after the budget were not even reported

    // The counters saw it too (other processes' TLS on this machine adds to them), and the
    // kernel, not user space, gave up on the connection.
    const auto after = monitor.probes().counters();
    EXPECT_GE(after.bytesCopied - before.bytesCopied, copied);
    EXPECT_GE(monitor.dataBytes() - bytesBefore, copied);
    EXPECT_EQ(after.eventsDropped, before.eventsDropped);
    EXPECT_GE(after.decidedNotDoh, before.decidedNotDoh + 1);
    EXPECT_EQ(after.decidedDoh, before.decidedDoh);
}

TEST_F(DohProbesTest, VerdictsDecideWhatTheKernelCopies) {
    TlsServer server(TlsServer::Mode::Echo);
    ASSERT_TRUE(server.ready());
    Monitor monitor;
    Child::Options options;
    options.stdinPipe = true;
    Child client({"openssl", "s_client", "-quiet", "-connect",
                  "127.0.0.1:" + std::to_string(server.port()), "-servername",
                  std::string(kServerName)},
                 options);
    const pid_t pid = client.pid();
    ASSERT_TRUE(monitor.pumpUntil([&] { return !monitor.of(pid, Kind::ServerName).empty(); }));
    const std::uint64_t connection = monitor.of(pid, Kind::ServerName).front().connection;

    client.write("POST /dns-query HTTP/1.1\r\n");
    ASSERT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(pid, "POST /dns-query"); }));
    EXPECT_EQ(monitor.of(pid, Kind::Write).front().connection, connection);

    const auto before = monitor.probes().counters();
    monitor.probes().setVerdict(static_cast<std::uint32_t>(pid), connection,
                                ConnectionVerdict::NotDoh);
    client.write("not copied\n");
    ASSERT_TRUE(server.received("not copied", 10s));
    monitor.probes().setVerdict(static_cast<std::uint32_t>(pid), connection,
                                ConnectionVerdict::Doh);
    // More than the undecided budget: a DoH connection gets all of its calls.
    const std::string big(DOH_UNDECIDED_BUDGET + 2000, 'q');
    const auto copiedBefore = monitor.dataOf(pid, Kind::Write).size();
    client.write(big + "\n");
    ASSERT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(pid, big); }));
    EXPECT_GT(monitor.dataOf(pid, Kind::Write).size() - copiedBefore,
              static_cast<std::size_t>(DOH_UNDECIDED_BUDGET));
    // Same connection, same ring, in order: the line written while NotDoh would be here.
    EXPECT_FALSE(monitor.wrote(pid, "not copied"));

    monitor.probes().setVerdict(static_cast<std::uint32_t>(pid), connection,
                                ConnectionVerdict::Undecided);
    client.write("undecided again\n");
    EXPECT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(pid, "undecided again"); }));

    const auto after = monitor.probes().counters();
    EXPECT_EQ(after.decidedDoh, before.decidedDoh + 1);
    EXPECT_GE(after.decidedNotDoh, before.decidedNotDoh + 1);

    // A connection the kernel does not know is left alone; zeros are refused.
    EXPECT_NO_THROW(monitor.probes().setVerdict(static_cast<std::uint32_t>(pid), connection + 1,
                                                ConnectionVerdict::Doh));
    EXPECT_THROW(monitor.probes().setVerdict(0, connection, ConnectionVerdict::Doh), MamoriError);
    EXPECT_THROW(
        monitor.probes().setVerdict(static_cast<std::uint32_t>(pid), 0, ConnectionVerdict::Doh),
        MamoriError);
}

// mamorid's default scope: only processes handed to watchProcess() carry breakpoints. Two
// s_clients with the same library write the same DoH request line; only the watched one's is
// seen, and it leaves the watch list when it exits.
TEST_F(DohProbesTest, WatchedScopeProbesOnlyTheWatchedProcess) {
    // s_server serves one client at a time: one each.
    TlsServer server(TlsServer::Mode::Echo);
    TlsServer otherServer(TlsServer::Mode::Echo);
    ASSERT_TRUE(server.ready() && otherServer.ready());
    Monitor monitor(DohProbes::Scope::WatchedProcesses);
    EXPECT_TRUE(monitor.probes().attachedLibraries().empty()) << "nothing before a watch";
    Child::Options options;
    options.stdinPipe = true;
    const auto client = [](const TlsServer& to) {
        return std::vector<std::string>{"openssl", "s_client", "-quiet", "-connect",
                                        "127.0.0.1:" + std::to_string(to.port())};
    };
    Child watched(client(server), options);
    Child other(client(otherServer), options);
    // Both connected (their handshakes done) before the watch: s_client reads stdin only then.
    watched.write("hello from watched\n");
    other.write("hello from other\n");
    ASSERT_TRUE(server.received("hello from watched", 10s));
    ASSERT_TRUE(otherServer.received("hello from other", 10s));

    ASSERT_TRUE(monitor.probes().watchProcess(watched.pid()));
    EXPECT_EQ(monitor.probes().watchedProcesses(), 1U);
    ASSERT_FALSE(monitor.probes().attachedLibraries().empty()) << "its libssl";
    const std::string request = "GET " + std::string(kDohPath) + " HTTP/1.1\r\n";
    watched.write(request);
    other.write(request);
    ASSERT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(watched.pid(), "/dns-query"); }));
    monitor.pumpFor(300ms);
    EXPECT_TRUE(monitor.of(other.pid(), Kind::Write).empty()) << "the other was not probed";

    EXPECT_THROW(monitor.probes().watchProcess(0), MamoriError);
    EXPECT_FALSE(monitor.probes().watchProcess(::getpid())) << "the monitor's own process";
    ::kill(watched.pid(), SIGTERM); // -quiet ignores end of input
    watched.wait(10s);
    EXPECT_TRUE(monitor.pumpUntil([&] { return monitor.probes().watchedProcesses() == 0; }))
        << "an exited process is forgotten";
    EXPECT_TRUE(monitor.probes().attachedLibraries().empty());
    EXPECT_FALSE(monitor.probes().watchProcess(watched.pid())) << "gone";
}

TEST_F(DohProbesTest, GnutlsClientIsSeen) {
    if (toolMissing("gnutls-cli")) {
        GTEST_SKIP() << "gnutls-cli is not installed (package gnutls-bin)";
    }
    TlsServer server(TlsServer::Mode::Echo);
    ASSERT_TRUE(server.ready());
    Monitor monitor;
    Child::Options options;
    options.stdinPipe = true;
    const auto gnutlsClient = [&] {
        return std::make_unique<Child>(
            std::vector<std::string>{"gnutls-cli", "--insecure", "--crlf", "--sni-hostname",
                                     std::string(kServerName), "-p", std::to_string(server.port()),
                                     "127.0.0.1"},
            options);
    };
    // Unless another process maps libgnutls right now, the first gnutls-cli is the first to map
    // it: it races the attach and may set its server name before the probes are in. It only
    // brings the library in; the second one is probed from its start.
    if (!hasGnutls(monitor.probes())) {
        const auto warmUp = gnutlsClient();
        ASSERT_TRUE(monitor.pumpUntil([&] { return hasGnutls(monitor.probes()); }));
    }
    const auto client = gnutlsClient();
    const pid_t pid = client->pid();
    ASSERT_TRUE(monitor.pumpUntil([&] { return !monitor.of(pid, Kind::ServerName).empty(); }));
    const auto names = monitor.of(pid, Kind::ServerName);
    EXPECT_EQ(text(names.front().data), kServerName);
    EXPECT_EQ(names.front().library, Library::GnuTls);

    // gnutls-cli sends stdin once the handshake is done; keep writing until one arrives.
    const std::string line = "GET " + std::string(kDohPath) + " HTTP/1.1";
    ASSERT_TRUE(monitor.pumpUntil(
        [&] {
            client->write(line + "\n");
            return monitor.wrote(pid, line);
        },
        15s));
    const auto writes = monitor.of(pid, Kind::Write);
    EXPECT_EQ(writes.front().library, Library::GnuTls);
    EXPECT_EQ(writes.front().connection, names.front().connection);
    EXPECT_TRUE(text(writes.front().data).starts_with(line + "\r\n"));
}

TEST_F(DohProbesTest, LibraryCopyLoadedLaterIsAttachedAndTraced) {
    TlsServer server(TlsServer::Mode::Echo);
    ASSERT_TRUE(server.ready());
    // A copy of this process's libssl at a new path is a new file (inode) nobody maps yet.
    const auto own = TlsLibraryFinder().inProcess(::getpid());
    const auto ssl = std::find_if(own.begin(), own.end(), [](const FoundLibrary& l) {
        return l.kind == FoundLibrary::Kind::OpenSsl;
    });
    ASSERT_NE(ssl, own.end());
    test::TempDir libraries;
    const auto copy = libraries.path() / std::filesystem::path(ssl->mappedPath).filename();
    std::filesystem::copy_file(ssl->path, copy);

    Monitor monitor;
    auto attached = monitor.probes().attachedLibraries();
    ASSERT_EQ(std::find(attached.begin(), attached.end(), copy), attached.end());

    Child::Options options;
    options.stdinPipe = true;
    options.environment = {"LD_LIBRARY_PATH=" + libraries.path().string()};
    Child client(
        {"openssl", "s_client", "-quiet", "-connect", "127.0.0.1:" + std::to_string(server.port())},
        options);
    ASSERT_TRUE(monitor.pumpUntil([&] {
        attached = monitor.probes().attachedLibraries();
        return std::find(attached.begin(), attached.end(), copy) != attached.end();
    })) << "the copy in "
        << libraries.path() << " was not attached";
    EXPECT_GE(monitor.probes().counters().fileReports, 1U);

    client.write("POST /dns-query HTTP/1.1\r\n");
    EXPECT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(client.pid(), "POST /dns-query"); }));
}

// A process exec'd with a loader nobody watches: the exec tracepoint reports it, then libraries
// that later processes map through it are reported by the loader. The finder sees only a fake
// /proc holding the processes the test links in, so nothing is known at start.
TEST_F(DohProbesTest, ExecReportsLoadersAndLoadersReportLibraries) {
    TlsServer server(TlsServer::Mode::Echo);
    ASSERT_TRUE(server.ready());
    test::TempDir fakeProc;
    Monitor monitor{DohProbes::Scope::AllProcesses, TlsLibraryFinder(fakeProc.path())};
    ASSERT_TRUE(monitor.probes().attachedLibraries().empty());
    ASSERT_TRUE(monitor.probes().watchedLoaders().empty());

    const auto start = [&] {
        Child::Options options;
        options.stdinPipe = true;
        options.holdBeforeExec = true;
        auto child = std::make_unique<Child>(
            std::vector<std::string>{"openssl", "s_client", "-quiet", "-connect",
                                     "127.0.0.1:" + std::to_string(server.port())},
            options);
        std::filesystem::create_directory_symlink("/proc/" + std::to_string(child->pid()),
                                                  fakeProc.path() / std::to_string(child->pid()));
        child->release();
        return child;
    };

    auto first = start();
    ASSERT_TRUE(monitor.pumpUntil([&] { return !monitor.probes().watchedLoaders().empty(); }));
    // The first process may have mapped its libraries before the loader was watched; the next
    // one maps them under the probe. (s_server serves one client at a time.)
    first.reset();
    const auto second = start();
    ASSERT_TRUE(monitor.pumpUntil([&] { return !monitor.probes().attachedLibraries().empty(); }));
    second->write("POST /dns-query HTTP/1.1\r\n");
    EXPECT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(second->pid(), "POST /dns-query"); }));
}

TEST_F(DohProbesTest, DetachedProbesSeeNothingUntilAttachedAgain) {
    TlsServer server(TlsServer::Mode::StatusPage);
    ASSERT_TRUE(server.ready());
    Monitor monitor;
    monitor.probes().detachAll();
    EXPECT_TRUE(monitor.probes().attachedLibraries().empty());
    EXPECT_TRUE(monitor.probes().watchedLoaders().empty());
    const pid_t unseen = curl(server, kDohPath);
    monitor.pumpFor(300ms);
    EXPECT_TRUE(monitor.of(unseen, Kind::ServerName).empty());
    EXPECT_TRUE(monitor.of(unseen, Kind::Write).empty());

    monitor.probes().attachAll();
    EXPECT_FALSE(monitor.probes().attachedLibraries().empty());
    const pid_t seen = curl(server, kDohPath);
    EXPECT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(seen, "GET /dns-query"); }));
}

// mamorid's own TLS (its DoT upstreams) is not an app bypassing it.
TEST_F(DohProbesTest, OwnProcessIsNotReported) {
    TlsServer server(TlsServer::Mode::StatusPage);
    ASSERT_TRUE(server.ready());
    Monitor monitor;

    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                              &SSL_CTX_free);
    ASSERT_TRUE(context);
    UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address),
              0);
    {
        std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), &SSL_free);
        SSL_set_fd(ssl.get(), socket.get());
        SSL_set_tlsext_host_name(ssl.get(), "own.test");
        ASSERT_EQ(SSL_connect(ssl.get()), 1);
        const std::string request = "GET " + std::string(kDohPath) + " HTTP/1.0\r\n\r\n";
        ASSERT_EQ(SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())),
                  static_cast<int>(request.size()));
        std::array<char, 4096> response{};
        ASSERT_GT(SSL_read(ssl.get(), response.data(), static_cast<int>(response.size())), 0);
        SSL_shutdown(ssl.get());
    }
    socket.reset(); // s_server serves one client at a time

    // A curl afterwards is seen: the probes work, only this process is left out.
    const pid_t other = curl(server, kDohPath);
    ASSERT_TRUE(monitor.pumpUntil([&] { return monitor.wrote(other, "GET /dns-query"); }));
    EXPECT_TRUE(monitor.of(::getpid(), Kind::ServerName).empty());
    EXPECT_TRUE(monitor.of(::getpid(), Kind::Write).empty());
}

} // namespace
} // namespace mamori::dns
