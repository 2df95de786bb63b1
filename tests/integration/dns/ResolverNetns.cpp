#include "ResolverNetns.h"

#include "common/Errors.h"
#include "common/UniqueFd.h"

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace mamori::test {
namespace {

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

// Deleting the host end removes the pair at once; the namespace itself is torn down by the
// kernel asynchronously, so leaving the veth to it would let the next test's `ip link add` race.
void deleteNetns(const std::string& name, const std::string& hostIf) {
    Subprocess::Options options;
    options.argv = {findTool("ip"), "link", "delete", hostIf};
    Subprocess::run(options, 10.0);
    options.argv = {findTool("ip"), "netns", "delete", name};
    Subprocess::run(options, 10.0);
}

// A test killed before its teardown leaves its veth (and namespace) behind, with a route to the
// same 10.53.N.0/24 that would capture the next run's traffic: remove those of dead processes.
void removeStaleLeftovers(int n) {
    const std::string prefix = "mh" + std::to_string(n) + "-";
    std::unique_ptr<struct if_nameindex, void (*)(struct if_nameindex*)> interfaces(
        ::if_nameindex(), &::if_freenameindex);
    for (auto* i = interfaces.get(); i != nullptr && i->if_name != nullptr; ++i) {
        const std::string name = i->if_name;
        if (name.rfind(prefix, 0) != 0) {
            continue;
        }
        const auto owner = static_cast<pid_t>(std::atoi(name.c_str() + prefix.size()));
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) {
            deleteNetns("mamori-test-" + std::to_string(owner) + "-" + std::to_string(n), name);
        }
    }
}

// Letters, digits, '-' and '.', in labels of 1..63: also safe in a file name and an X.509 subject.
bool isDnsName(const std::string& name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    std::size_t label = 0;
    for (const char c : name) {
        if (c == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
            continue;
        }
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') {
            return false;
        }
        if (++label > 63) {
            return false;
        }
    }
    return label > 0;
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

std::string ResolverNetns::skipReason() {
    if (::geteuid() != 0) {
        return "needs root (network namespaces, veth)";
    }
    for (const char* tool : {"ip", "unbound", "openssl"}) {
        if (findTool(tool).empty()) {
            return std::string("`") + tool + "` not installed (scripts/install-deps.sh)";
        }
    }
    return {};
}

ResolverNetns::ResolverNetns(int n)
    : n_(n)
    , netns_("mamori-test-" + std::to_string(::getpid()) + "-" + std::to_string(n))
    // Interface names are limited to 15 characters.
    , hostIf_("mh" + std::to_string(n) + "-" + std::to_string(::getpid()))
    , peerIf_("mp" + std::to_string(n) + "-" + std::to_string(::getpid())) {
    std::string dirTemplate = "/tmp/mamori-unbound-XXXXXX";
    if (::mkdtemp(dirTemplate.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    dir_ = dirTemplate;
    try {
        const std::string net = "10.53." + std::to_string(n_) + ".";
        removeStaleLeftovers(n_);
        run({"ip", "netns", "add", netns_});
        run({"ip", "link", "add", hostIf_, "type", "veth", "peer", "name", peerIf_, "netns",
             netns_});
        run({"ip", "addr", "add", net + "1/24", "dev", hostIf_});
        run({"ip", "link", "set", hostIf_, "up"});
        run({"ip", "-n", netns_, "addr", "add", net + "2/24", "dev", peerIf_});
        run({"ip", "-n", netns_, "link", "set", peerIf_, "up"});
        run({"ip", "-n", netns_, "link", "set", "lo", "up"});
        createCertificates();
        writeConfig();
        start();
    } catch (...) {
        // The destructor does not run for a half-built object: tear down here.
        unbound_.reset();
        deleteNetns(netns_, hostIf_);
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw;
    }
}

ResolverNetns::~ResolverNetns() {
    unbound_.reset(); // SIGKILL + reap
    // Deleting the namespace destroys the peer and with it the host-side veth.
    deleteNetns(netns_, hostIf_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string ResolverNetns::address() const {
    return "10.53." + std::to_string(n_) + ".2";
}
std::string ResolverNetns::hostInterface() const {
    return hostIf_;
}
std::string ResolverNetns::tlsName() const {
    return "resolver" + std::to_string(n_) + ".test";
}
std::string ResolverNetns::expectedA() const {
    return "192.0.2." + std::to_string(n_);
}
std::string ResolverNetns::caFile() const {
    return (dir_ / "ca.pem").string();
}
std::string ResolverNetns::certificateFile() const {
    return (dir_ / "server.pem").string();
}
std::string ResolverNetns::dohUrl() const {
    return "https://" + tlsName() + "/dns-query";
}
std::string ResolverNetns::curlResolveArg() const {
    return tlsName() + ":443:" + address();
}

void ResolverNetns::run(const std::vector<std::string>& argv) const {
    Subprocess::Options options;
    options.argv = argv;
    options.argv[0] = findTool(argv[0]);
    const RunResult result = Subprocess::run(options, 10.0);
    if (result.exitCode != 0) {
        std::string command;
        for (const auto& arg : argv) {
            command += arg + " ";
        }
        throw std::runtime_error(command + "failed: " + result.err);
    }
}

void ResolverNetns::createCertificates() const {
    const std::string d = dir_.string() + "/";
    run({"openssl",
         "req",
         "-x509",
         "-newkey",
         "ec",
         "-pkeyopt",
         "ec_paramgen_curve:prime256v1",
         "-nodes",
         "-keyout",
         d + "ca.key",
         "-out",
         d + "ca.pem",
         "-days",
         "2",
         "-subj",
         "/CN=Mamori Test CA " + std::to_string(n_),
         "-addext",
         "basicConstraints=critical,CA:TRUE",
         "-addext",
         "keyUsage=critical,keyCertSign,cRLSign"});
    signCertificate("DNS:" + tlsName(), "server");
}

ResolverNetns::LeafCertificate ResolverNetns::issueCertificate(const std::string& name) const {
    in_addr ignored{};
    const bool ipv4 = ::inet_pton(AF_INET, name.c_str(), &ignored) == 1;
    if (!ipv4 && !isDnsName(name)) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "issueCertificate: \"" + name +
                              "\" is neither a DNS name nor an IPv4 address");
    }
    const std::string stem = "leaf-" + name;
    signCertificate((ipv4 ? "IP:" : "DNS:") + name, stem);
    return {(dir_ / (stem + ".pem")).string(), (dir_ / (stem + ".key")).string()};
}

// Writes <stem>.key and <stem>.pem. No -set_serial: OpenSSL 3 then picks a random serial, so
// certificates issued for several names never share one.
void ResolverNetns::signCertificate(const std::string& subjectAltName,
                                    const std::string& stem) const {
    const std::string base = (dir_ / stem).string();
    const std::string commonName = subjectAltName.substr(subjectAltName.find(':') + 1);
    run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + commonName});
    std::ofstream(base + ".ext") << "subjectAltName=" << subjectAltName
                                 << "\nbasicConstraints=CA:FALSE\n"
                                    "extendedKeyUsage=serverAuth\n";
    run({"openssl", "x509", "-req", "-in", base + ".csr", "-CA", (dir_ / "ca.pem").string(),
         "-CAkey", (dir_ / "ca.key").string(), "-days", "2", "-extfile", base + ".ext", "-out",
         base + ".pem"});
}

void ResolverNetns::writeConfig() const {
    std::ofstream conf(dir_ / "unbound.conf");
    conf << "server:\n"
         << "  interface: " << address() << "@53\n"
         << "  interface: " << address() << "@853\n"
         << "  interface: " << address() << "@443\n"
         << "  tls-port: 853\n"
         // DoH: unbound serves it over HTTP/2 only (no HTTP/1.1), with the DoT key and cert.
         << "  https-port: 443\n"
         << "  http-endpoint: \"/dns-query\"\n"
         << "  tls-service-key: \"" << (dir_ / "server.key").string() << "\"\n"
         << "  tls-service-pem: \"" << (dir_ / "server.pem").string() << "\"\n"
         << "  do-daemonize: no\n"
         << "  chroot: \"\"\n"
         << "  username: \"\"\n"
         << "  directory: \"" << dir_.string() << "\"\n"
         << "  pidfile: \"\"\n"
         << "  use-syslog: no\n"
         << "  logfile: \"\"\n"
         << "  verbosity: 1\n"
         << "  num-threads: 1\n"
         << "  do-ip6: no\n"
         << "  access-control: 0.0.0.0/0 allow\n"
         // No validator, no trust anchor: nothing here may try to reach the internet.
         << "  module-config: \"iterator\"\n"
         << "  incoming-num-tcp: 100\n"
         << "  local-zone: \"probe.test.\" static\n"
         << "  local-data: \"x.probe.test. A " << expectedA()
         << "\"\n"
         // Every other name under test. (d1.test, www.d2.test, ...) answers too, so sharding
         // tests have as many registrable domains as they like.
         << "  local-zone: \"test.\" redirect\n"
         << "  local-data: \"test. A " << expectedA() << "\"\n";
    for (int i = 0; i < 12; ++i) {
        conf << "  local-data: 'big.probe.test. TXT \"" << i << std::string(100, 'a') << "\"'\n";
    }
    conf << "remote-control:\n  control-enable: no\n";
}

void ResolverNetns::start() {
    unbound_.reset();
    Subprocess::Options options;
    options.argv = {findTool("ip"),      "netns", "exec", netns_,
                    findTool("unbound"), "-d",    "-c",   (dir_ / "unbound.conf").string()};
    options.stderrPath = (dir_ / "unbound.log").string();
    unbound_ = std::make_unique<Subprocess>(options);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!(accepts(53) && accepts(853) && accepts(443))) {
        if (!unbound_->running() || std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("unbound did not come up: " + readFile(dir_ / "unbound.log"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void ResolverNetns::kill() {
    if (unbound_) {
        unbound_->signal(SIGKILL);
        unbound_->wait(5.0);
    }
}

void ResolverNetns::pause() {
    unbound_->signal(SIGSTOP);
}
void ResolverNetns::resume() {
    unbound_->signal(SIGCONT);
}

bool ResolverNetns::accepts(uint16_t port) const {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address().c_str(), &sa.sin_addr);
    const bool connected =
        ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    // Close with a RST, now: a FIN handshake would trickle on after start() returned and show
    // up in a test's packet capture as traffic to port 53.
    const linger abort{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    return connected;
}

} // namespace mamori::test
