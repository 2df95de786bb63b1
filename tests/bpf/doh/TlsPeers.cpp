#include "TlsPeers.h"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace mamori::test {

namespace {

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& s : strings) {
        result.push_back(s.data());
    }
    result.push_back(nullptr);
    return result;
}

std::array<int, 2> makePipe() {
    std::array<int, 2> ends{-1, -1};
    if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    return ends;
}

bool acceptsConnections(std::uint16_t port) {
    const UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
           0;
}

} // namespace

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mamori-doh-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

Child::Child(const std::vector<std::string>& argv, const Options& options) {
    std::vector<std::string> args = argv;
    std::vector<std::string> env = options.environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        env.emplace_back(*entry);
    }
    auto argPointers = pointers(args);
    auto envPointers = pointers(env);
    std::array<int, 2> input{-1, -1};
    std::array<int, 2> output{-1, -1};
    std::array<int, 2> gate{-1, -1};
    if (options.stdinPipe) {
        input = makePipe();
    }
    if (options.captureStdout) {
        output = makePipe();
    }
    if (options.holdBeforeExec) {
        gate = makePipe();
    }
    const std::string directory = options.directory.string();

    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        // Only async-signal-safe calls from here on.
        const int devNull = ::open("/dev/null", O_RDWR);
        ::dup2(options.stdinPipe ? input[0] : devNull, STDIN_FILENO);
        ::dup2(options.captureStdout ? output[1] : devNull, STDOUT_FILENO);
        ::dup2(devNull, STDERR_FILENO);
        if (!directory.empty() && ::chdir(directory.c_str()) != 0) {
            ::_exit(126);
        }
        if (options.holdBeforeExec) {
            char go = 0;
            if (::read(gate[0], &go, 1) != 1) {
                ::_exit(125);
            }
        }
        ::execvpe(argPointers[0], argPointers.data(), envPointers.data());
        ::_exit(127);
    }
    for (const int end : {input[0], output[1], gate[0]}) {
        if (end >= 0) {
            ::close(end);
        }
    }
    stdin_.reset(input[1]);
    stdout_.reset(output[0]);
    gate_.reset(gate[1]);
}

Child::~Child() {
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void Child::release() {
    const char go = 1;
    if (!gate_ || ::write(gate_.get(), &go, 1) != 1) {
        throw std::runtime_error("cannot release the child");
    }
    gate_.reset();
}

void Child::write(std::string_view text) {
    while (!text.empty()) {
        const ssize_t written = ::write(stdin_.get(), text.data(), text.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            throw std::runtime_error("cannot write to the child's stdin");
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
}

void Child::closeStdin() {
    stdin_.reset();
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reaped_) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            reaped_ = true;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

bool Child::waitForOutput(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 4096> buffer{};
    while (output_.find(needle) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd readable{stdout_.get(), POLLIN, 0};
        if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        const ssize_t got = ::read(stdout_.get(), buffer.data(), buffer.size());
        if (got <= 0) {
            return false;
        }
        output_.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return true;
}

bool run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    Child child(argv, Child::Options{});
    const auto status = child.wait(timeout);
    return status && *status == 0;
}

std::uint16_t freePort() {
    const UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("no free port");
    }
    return ntohs(address.sin_port);
}

TlsServer::TlsServer(Mode mode)
    : port_(freePort()) {
    const auto key = (dir_.path() / "key.pem").string();
    const auto cert = (dir_.path() / "cert.pem").string();
    // An EC key: generated in milliseconds, unlike RSA.
    if (!run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
              "-subj", "/CN=" + std::string(kServerName)},
             std::chrono::seconds(20))) {
        return;
    }
    std::vector<std::string> argv{
        "openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_), "-cert", cert,
        "-key",    key,        "-quiet"};
    if (mode == Mode::StatusPage) {
        argv.emplace_back("-www");
    } else if (mode == Mode::Files) {
        argv.emplace_back("-WWW");
    }
    Child::Options options;
    options.directory = dir_.path();
    // Echo mode reads its stdin too: keep it open so that it never sees EOF.
    options.stdinPipe = true;
    options.captureStdout = mode == Mode::Echo;
    server_.emplace(argv, options);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (acceptsConnections(port_)) {
            ready_ = true;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace mamori::test
