// mamorid's main loop: engines rely on its fd watches and one-shot timers (udev monitors,
// approval timeouts), so their behaviour is checked against a real bus connection.
#include "core/EventLoop.h"

#include "Subprocess.h"

#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>
#include <thread>
#include <unistd.h>

using namespace mamori;
using namespace std::chrono_literals;

namespace {

class EventLoopTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("mamori-loop-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_);
        const auto socket = dir_ / "bus";
        bus_ = std::make_unique<test::Subprocess>(
            test::Subprocess::Options{{"/usr/bin/dbus-daemon", "--session", "--nofork",
                                       "--nosyslog", "--address=unix:path=" + socket.string()},
                                      {},
                                      {},
                                      {},
                                      {}});
        for (int i = 0; i < 300 && !std::filesystem::exists(socket); ++i) {
            std::this_thread::sleep_for(10ms);
        }
        setenv("DBUS_SESSION_BUS_ADDRESS", ("unix:path=" + socket.string()).c_str(), 1);
        connection_ = sdbus::createSessionBusConnection();
        loop_ = std::make_unique<EventLoop>(*connection_);
    }
    void TearDown() override {
        loop_.reset();
        connection_.reset();
        bus_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::filesystem::path dir_;
    std::unique_ptr<test::Subprocess> bus_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<EventLoop> loop_;
};

TEST_F(EventLoopTest, TimersFireOnceInOrderAndCanBeCancelled) {
    std::vector<int> fired;
    loop_->after(60ms, [&] { fired.push_back(2); });
    const auto cancelled = loop_->after(30ms, [&] { fired.push_back(99); });
    loop_->after(20ms, [&] { fired.push_back(1); });
    loop_->after(100ms, [&] { loop_->quit(); });
    loop_->cancel(cancelled);
    const auto start = std::chrono::steady_clock::now();
    loop_->run();
    EXPECT_EQ(fired, (std::vector<int>{1, 2}));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(EventLoopTest, WatchedDescriptorsAreDispatchedUntilUnwatched) {
    std::array<int, 2> fds{};
    ASSERT_EQ(pipe(fds.data()), 0);
    int reads = 0;
    loop_->watch(fds[0], [&] {
        char c = 0;
        ASSERT_EQ(read(fds[0], &c, 1), 1);
        if (++reads == 2) {
            loop_->unwatch(fds[0]);
            ASSERT_EQ(write(fds[1], "z", 1), 1); // must not be dispatched any more
            loop_->after(50ms, [&] { loop_->quit(); });
        }
    });
    ASSERT_EQ(write(fds[1], "xy", 2), 2);
    loop_->after(2s, [&] { loop_->quit(); }); // safety net
    loop_->run();
    EXPECT_EQ(reads, 2);
    close(fds[0]);
    close(fds[1]);
}

TEST_F(EventLoopTest, SignalsAreDeliveredToTheirHandler) {
    bool hup = false;
    loop_->onSignal(SIGUSR1, [&] {
        hup = true;
        loop_->quit();
    });
    loop_->after(20ms, [] { kill(getpid(), SIGUSR1); });
    loop_->after(2s, [&] { loop_->quit(); });
    loop_->run();
    EXPECT_TRUE(hup);
}

} // namespace
