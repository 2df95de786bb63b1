// doh_http1_server (DohHttp1Server.cpp) as a child of a test: started with a certificate and an
// upstream resolver, waited for until it prints "ready", its request log readable, stopped
// (and its files removed) with the object.
#pragma once

#include "ResolverNetns.h"
#include "Subprocess.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace mamori::test {

inline std::string readTextFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class DohHttp1ServerProcess {
public:
    DohHttp1ServerProcess(const std::string& listen, const ResolverNetns::LeafCertificate& cert,
                          const std::string& upstream, const std::string& www = {}) {
        std::string dirTemplate = "/tmp/mamori-doh-XXXXXX";
        if (::mkdtemp(dirTemplate.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = dirTemplate;
        Subprocess::Options options;
        // The shell only redirects stdout; exec keeps the pid, so signals reach the server.
        options.argv = {"/bin/sh",
                        "-c",
                        R"(exec "$0" "$@" >"$READY_FILE")",
                        DOH_HTTP1_SERVER_PATH,
                        "--listen",
                        listen,
                        "--cert",
                        cert.certificateFile,
                        "--key",
                        cert.keyFile,
                        "--upstream",
                        upstream};
        if (!www.empty()) {
            options.argv.insert(options.argv.end(), {"--www", www});
        }
        options.env["READY_FILE"] = (dir_ / "stdout").string();
        options.stderrPath = (dir_ / "stderr").string();
        process_ = std::make_unique<Subprocess>(options);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (readTextFile(dir_ / "stdout") != "ready\n") {
            if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("doh_http1_server did not come up: " + log());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    ~DohHttp1ServerProcess() {
        process_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    DohHttp1ServerProcess(const DohHttp1ServerProcess&) = delete;
    DohHttp1ServerProcess& operator=(const DohHttp1ServerProcess&) = delete;

    std::string log() const { return readTextFile(dir_ / "stderr"); }

    // SIGTERM; the exit code (0 for a clean stop).
    int stop() {
        process_->signal(SIGTERM);
        return process_->wait(5.0);
    }

private:
    std::filesystem::path dir_;
    std::unique_ptr<Subprocess> process_;
};
} // namespace mamori::test
