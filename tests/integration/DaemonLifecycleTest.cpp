// mamorid as systemd and an administrator see it: readiness and watchdog notifications, help
// and version, and the polkit actions it relies on being known to polkitd.
#include "SystemBusHarness.h"
#include "common/Names.h"

#include <array>
#include <chrono>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace mamori;
using namespace mamori::test;

namespace {

// A NOTIFY_SOCKET like systemd's: a datagram socket collecting sd_notify() messages.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path)
        : path_(path) {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path.string().copy(addr.sun_path, sizeof addr.sun_path - 1);
        if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            throw std::runtime_error("cannot bind notify socket");
        }
    }
    ~NotifySocket() {
        close(fd_);
        std::filesystem::remove(path_);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // Collects messages until one contains `needle` or `seconds` pass.
    std::string waitFor(const std::string& needle, double seconds) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (received_.find(needle) == std::string::npos &&
               std::chrono::steady_clock::now() < deadline) {
            pollfd pfd{fd_, POLLIN, 0};
            if (poll(&pfd, 1, 50) == 1) {
                std::array<char, 512> buf{};
                const ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
                if (n > 0) {
                    received_.append(buf.data(), static_cast<size_t>(n)).append("\n");
                }
            }
        }
        return received_;
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::string received_;
};

class DaemonLifecycle : public testing::Test {
protected:
    void SetUp() override {
        const auto reason = SystemBusHarness::unavailableReason();
        if (!reason.empty()) {
            GTEST_SKIP() << reason;
        }
        harness_ = std::make_unique<SystemBusHarness>();
    }
    std::unique_ptr<SystemBusHarness> harness_;
};

TEST_F(DaemonLifecycle, TellsSystemdItIsReadyAndAlive) {
    NotifySocket notify(harness_->stateDir() / "notify.sock");
    auto daemon =
        harness_->spawnDaemon({{"NOTIFY_SOCKET", (harness_->stateDir() / "notify.sock").string()},
                               {"WATCHDOG_USEC", "200000"}});
    // The watchdog pid check: sd_watchdog_enabled() only honours WATCHDOG_PID when it matches.
    const auto ready = notify.waitFor("READY=1", 15.0);
    EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
    EXPECT_TRUE(harness_->nameHasOwner(std::string(names::kBusName)))
        << "READY=1 must come only once the bus name is owned";
    const auto alive = notify.waitFor("WATCHDOG=1", 2.0);
    EXPECT_NE(alive.find("WATCHDOG=1"), std::string::npos) << alive;

    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait(10.0), 0);
    EXPECT_NE(notify.waitFor("STOPPING=1", 2.0).find("STOPPING=1"), std::string::npos);
}

TEST_F(DaemonLifecycle, PolkitdKnowsEveryMamoriAction) {
    for (const auto action :
         {names::action::kManage, names::action::kDnsConfigure, names::action::kDevicesAuthorize,
          names::action::kDevicesManage, names::action::kSandboxManage,
          names::action::kSandboxSupervise, names::action::kLbmManage}) {
        const auto result =
            harness_->run({"/usr/bin/pkaction", "--verbose", "--action-id", std::string(action)});
        EXPECT_EQ(result.exitCode, 0) << action << ": " << result.err;
        EXPECT_NE(result.out.find(std::string(action) + ":"), std::string::npos) << result.out;
    }
    const auto approve = harness_->run({"/usr/bin/pkaction", "--verbose", "--action-id",
                                        std::string(names::action::kDevicesAuthorize)});
    EXPECT_NE(approve.out.find("implicit active:   yes"), std::string::npos)
        << "approving a device you just plugged in must not need a password\n"
        << approve.out;
}

TEST(DaemonCommandLine, HelpVersionAndBadArguments) {
    const auto help = Subprocess::run({{MAMORID_PATH, "--help"}, {}, {}, {}, {}});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("Usage: mamorid"), std::string::npos);
    EXPECT_NE(help.out.find("STATE_DIRECTORY"), std::string::npos);

    const auto version = Subprocess::run({{MAMORID_PATH, "--version"}, {}, {}, {}, {}});
    EXPECT_EQ(version.exitCode, 0);
    EXPECT_EQ(version.out.rfind("mamorid ", 0), 0U);

    const auto bad = Subprocess::run({{MAMORID_PATH, "--frobnicate"}, {}, {}, {}, {}});
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.err.find("unknown argument '--frobnicate'"), std::string::npos);

    // The feature probe on its own: one line per feature, the patched ones naming the patches
    // on this stock kernel (the qemu guest shows them found).
    const auto probe = Subprocess::run({{MAMORID_PATH, "--probe"}, {}, {}, {}, {}});
    EXPECT_EQ(probe.exitCode, 0) << probe.err;
    for (const auto name : names::feature::kAll) {
        EXPECT_NE(("\n" + probe.out).find("\n" + std::string(name) + " "), std::string::npos)
            << name << " missing in:\n"
            << probe.out;
    }
    EXPECT_NE(probe.out.find("needs the LBM patches from kernel-patches/"), std::string::npos)
        << probe.out;

    const auto ctlHelp = Subprocess::run({{MAMORICTL_PATH, "--help"}, {}, {}, {}, {}});
    EXPECT_EQ(ctlHelp.exitCode, 0);
    EXPECT_NE(ctlHelp.out.find("engine enable|disable NAME"), std::string::npos);
    const auto ctlBad = Subprocess::run({{MAMORICTL_PATH, "engine", "enable"}, {}, {}, {}, {}});
    EXPECT_EQ(ctlBad.exitCode, 2);
    EXPECT_NE(ctlBad.err.find("usage: mamorictl engine"), std::string::npos) << ctlBad.err;
}

TEST(DaemonCommandLine, RefusesABrokenConfigurationNamingTheLine) {
    const auto reason = SystemBusHarness::unavailableReason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    SystemBusHarness harness;
    std::ofstream(harness.configDir() / "mamori.conf") << "[Daemon]\n\nPolkitTimeoutSec=never\n";
    auto daemon = harness.spawnDaemon();
    EXPECT_EQ(daemon->wait(10.0), 1);
    EXPECT_NE(harness.daemonLogText().find("mamori.conf:3: PolkitTimeoutSec"), std::string::npos)
        << harness.daemonLogText();
}

} // namespace
