// Real servers from Debian under learned profiles with init/serve phases: nginx and memcached
// are each run once under `mamori-run --learn` while a workload exercises them, then again
// under the profile that run wrote, supervised by mamorid on the private bus. They must serve
// the same workload correctly without a single violation, the serving process must be in its
// serve phase (its second, stacked filter), and nginx, told to reconfigure after the switch,
// must be refused the init-only syscalls that needs. The attack-surface reduction each learned
// profile achieves is printed next to the paper's (NGINX 52.3 %, Memcached 55.4 %).
#include "BusTestSuite.h"
#include "Eventually.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"
#include "TempDir.h"
#include "TestFiles.h"
#include "ViolationLog.h"

#include <arpa/inet.h>
#include <array>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <netinet/in.h>
#include <regex>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace mamori;
using namespace mamori::test;

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kMemcached = "/usr/bin/memcached";
constexpr const char* kCurl = "/usr/bin/curl";

uint16_t freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!bound) {
        throw std::runtime_error("cannot find a free port on 127.0.0.1");
    }
    return ntohs(address.sin_port);
}

// A TCP connection to 127.0.0.1:port; -1 when nothing listens.
int connectTo(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool listening(uint16_t port) {
    const int fd = connectTo(port);
    if (fd >= 0) {
        ::close(fd);
    }
    return fd >= 0;
}

// The memcached text protocol: sends `request`, reads until the reply ends with `end`.
std::string exchange(int fd, const std::string& request, const std::string& end) {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
        return "send failed";
    }
    std::string reply;
    std::array<char, 4096> buffer{};
    while (!reply.ends_with(end)) {
        const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) {
            return reply + " (connection closed)";
        }
        reply.append(buffer.data(), size_t(got));
    }
    return reply;
}

// How many seccomp filters the process has: 1 in its first phase, 2 once serving.
int filterCount(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("Seccomp_filters:")) {
            return std::stoi(line.substr(16));
        }
    }
    return -1;
}

// The learned profile's own account of its phases, e.g. "serve allows 17 of the 52 syscalls
// init allows (67.3 % fewer)".
std::string reductionLine(const std::string& profileText) {
    static const std::regex reduction("serve allows [0-9]+ of the [0-9]+ syscalls init allows "
                                      "\\([0-9.]+ % fewer\\)");
    std::smatch match;
    return std::regex_search(profileText, match, reduction) ? match.str() : std::string();
}

std::string describe(const std::vector<ViolationView>& violations) {
    std::string text;
    for (const auto& v : violations) {
        text += v.syscall + " refused by " + v.rule + " (" + v.action + ")\n";
    }
    return text;
}

class SandboxServers : public BusTestSuite<SandboxServers> {
public:
    static void startSuite(SystemBusHarness& harness) { harness.startDaemon(); }

    static std::string unavailableReason() {
        if (auto reason = SystemBusHarness::unavailableReason(); !reason.empty()) {
            return reason;
        }
        for (const char* program : {kNginx, kMemcached, kCurl}) {
            if (::access(program, X_OK) != 0) {
                return std::string("needs ") + program + " (run scripts/install-deps.sh)";
            }
        }
        return {};
    }

protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        violations_ = std::make_unique<ViolationLog>(harness_->connect());
    }

    void TearDown() override { violations_.reset(); }

    std::filesystem::path path(const std::string& name) const { return dir_.path() / name; }

    // `mamori-run --learn` as root (it loads a BPF program); stderr kept for the summary.
    std::unique_ptr<Subprocess> startLearning(const std::string& appId, const std::string& phase,
                                              const std::vector<std::string>& command) {
        Subprocess::Options o;
        o.argv = {MAMORI_RUN_PATH,
                  "--learn",
                  "--switch",
                  phase,
                  "--app-id",
                  appId,
                  path("learned.profile").string(),
                  "--"};
        o.argv.insert(o.argv.end(), command.begin(), command.end());
        o.stderrPath = path("learn.err").string();
        return std::make_unique<Subprocess>(o);
    }

    // Ends the learning run the way a user would (SIGTERM, passed on to the server) and
    // returns the learner's summary line.
    std::string finishLearning(Subprocess& learner) {
        learner.signal(SIGTERM);
        EXPECT_EQ(learner.wait(), 0) << readFile(path("learn.err"));
        EXPECT_TRUE(std::filesystem::exists(path("learned.profile")))
            << readFile(path("learn.err"));
        return reductionLine(readFile(path("learned.profile")));
    }

    // The learned profile, supervised by mamorid.
    std::unique_ptr<Subprocess> startSandboxed(const std::vector<std::string>& command) {
        Subprocess::Options o;
        o.argv = {MAMORI_RUN_PATH, path("learned.profile").string(), "--"};
        o.argv.insert(o.argv.end(), command.begin(), command.end());
        o.env = {{"DBUS_SYSTEM_BUS_ADDRESS", harness_->address()}};
        o.stderrPath = path("sandboxed.err").string();
        return std::make_unique<Subprocess>(o);
    }

    TempDir dir_;
    std::unique_ptr<ViolationLog> violations_;
};

class Nginx : public SandboxServers {
protected:
    void SetUp() override {
        SandboxServers::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        std::filesystem::create_directories(path("html"));
        std::filesystem::create_directories(path("logs"));
        std::ofstream(path("html/index.html")) << "hello from nginx\n";
        writeConfig({port_});
    }

    // One process (master_process off), so that reconfiguring happens in the serving process.
    void writeConfig(const std::vector<uint16_t>& ports) const {
        std::ofstream conf(path("nginx.conf"));
        const std::string d = dir_.path().string();
        conf << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << d
             << "/nginx.pid;\nerror_log " << d << "/logs/error.log notice;\n"
             << "events { worker_connections 64; }\nhttp {\n  access_log off;\n";
        for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
            conf << "  " << temp << "_temp_path " << d << "/" << temp << ";\n";
        }
        conf << "  server {\n";
        for (const uint16_t port : ports) {
            conf << "    listen 127.0.0.1:" << port << ";\n";
        }
        conf << "    root " << d << "/html;\n  }\n}\n";
    }

    std::vector<std::string> command() const {
        return {kNginx, "-c", path("nginx.conf").string(), "-p", dir_.path().string()};
    }

    // The workload: pages that exist and one that does not, as curl sees them.
    std::string workload(uint16_t port) const {
        std::string seen;
        for (const char* page : {"/", "/index.html", "/missing", "/"}) {
            const RunResult r =
                Subprocess::run({{kCurl, "-s", "-w", " %{http_code}\n",
                                  "http://127.0.0.1:" + std::to_string(port) + page},
                                 {},
                                 {},
                                 {},
                                 {}});
            seen += r.out.substr(r.out.rfind(' ') + 1);
        }
        return seen;
    }

    uint16_t port_ = freePort();
};

TEST_F(Nginx, LearnedProfileServesTheWorkloadAndRefusesInitSyscallsAfterTheSwitch) {
    auto learner = startLearning("org.nginx.Nginx", "serve=epoll_wait", command());
    ASSERT_TRUE(eventually([&] { return listening(port_); })) << readFile(path("learn.err"));
    EXPECT_EQ(workload(port_), "200\n200\n404\n200\n");
    const std::string reduction = finishLearning(*learner);
    ASSERT_FALSE(reduction.empty()) << readFile(path("learn.err"));
    std::cout << "nginx learned profile: " << reduction << " (paper: 52.3 %)\n";
    RecordProperty("nginx_reduction", reduction);

    auto server = startSandboxed(command());
    ASSERT_TRUE(eventually([&] { return listening(port_); })) << readFile(path("sandboxed.err"));
    EXPECT_EQ(workload(port_), "200\n200\n404\n200\n") << readFile(path("logs/error.log"));
    EXPECT_EQ(filterCount(server->pid()), 2) << "nginx did not enter its serve phase";
    EXPECT_TRUE(violations_->seen().empty()) << describe(violations_->seen());

    // Reconfiguring needs init-only syscalls (gethostname, socket, bind): refused now, so
    // nginx keeps its old configuration, says why, and keeps serving.
    const uint16_t added = freePort();
    writeConfig({port_, added});
    server->signal(SIGHUP);
    EXPECT_TRUE(eventually([&] {
        return readFile(path("logs/error.log")).find("(1: Operation not permitted)") !=
               std::string::npos;
    })) << readFile(path("logs/error.log"))
        << "nginx is in: " << readFile("/proc/" + std::to_string(server->pid()) + "/syscall")
        << harness_->daemonLogText();
    EXPECT_FALSE(listening(added));
    EXPECT_EQ(workload(port_), "200\n200\n404\n200\n");
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait(), 0) << readFile(path("sandboxed.err"));
}

class Memcached : public SandboxServers {
protected:
    std::vector<std::string> command() const {
        return {kMemcached, "-u", "nobody", "-l", "127.0.0.1", "-p", std::to_string(port_),
                "-U",       "0",  "-t",     "2"};
    }

    // Three clients storing and reading back their keys.
    bool workload() const {
        for (int client = 0; client < 3; ++client) {
            const int fd = connectTo(port_);
            if (fd < 0) {
                return false;
            }
            for (int i = 0; i < 20; ++i) {
                const std::string key = "k" + std::to_string(client) + "_" + std::to_string(i);
                const std::string value = "value-" + key;
                const std::string size = std::to_string(value.size());
                std::string set = "set " + key;
                set.append(" 0 0 ").append(size).append("\r\n").append(value).append("\r\n");
                std::string expected = "VALUE " + key;
                expected.append(" 0 ").append(size).append("\r\n").append(value).append(
                    "\r\nEND\r\n");
                if (exchange(fd, set, "\r\n") != "STORED\r\n" ||
                    exchange(fd, "get " + key + "\r\n", "END\r\n") != expected) {
                    ::close(fd);
                    return false;
                }
            }
            ::close(fd);
        }
        return true;
    }

    uint16_t port_ = freePort();
};

// memcached's worker threads enter their epoll loop before the main thread has bound its
// socket and dropped privileges, so its serve phase begins at the first accepted connection.
TEST_F(Memcached, LearnedProfileServesTheWorkloadInItsServePhase) {
    auto learner = startLearning("org.memcached.Memcached", "serve=accept4", command());
    ASSERT_TRUE(eventually([&] { return listening(port_); })) << readFile(path("learn.err"));
    EXPECT_TRUE(workload());
    const std::string reduction = finishLearning(*learner);
    ASSERT_FALSE(reduction.empty()) << readFile(path("learn.err"));
    std::cout << "memcached learned profile: " << reduction << " (paper: 55.4 %)\n";
    RecordProperty("memcached_reduction", reduction);

    auto server = startSandboxed(command());
    ASSERT_TRUE(eventually([&] { return listening(port_); })) << readFile(path("sandboxed.err"));
    EXPECT_TRUE(workload()) << readFile(path("sandboxed.err"));
    EXPECT_EQ(filterCount(server->pid()), 2) << "memcached did not enter its serve phase";
    EXPECT_TRUE(violations_->seen().empty()) << describe(violations_->seen());
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait(), 0) << readFile(path("sandboxed.err"));
}

} // namespace
