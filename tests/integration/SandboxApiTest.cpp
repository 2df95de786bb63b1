// org.mamori.Mamori1.Sandbox on a real (private) system bus with the real polkitd: the
// administrator's profile layer as mamorictl and an administrator see it (who may change it,
// what is checked before anything is written, what lands on disk), and RegisterSandbox's
// refusals of anything that is not the caller's own seccomp listener.
//
// mamorid keeps the administrator's layer beside its configuration: <CONFIGURATION_DIRECTORY>/
// profiles, i.e. the harness's configDir()/profiles. Its lower layer is a directory of the
// test's own, given with MAMORI_PROFILE_PATH.
#include "ApiDescription.h"
#include "BusTestSuite.h"
#include "SystemBusHarness.h"
#include "TestFiles.h"
#include "client/SandboxClient.h"
#include "common/Names.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace mamori;
using namespace mamori::test;

namespace {

namespace fs = std::filesystem;

constexpr const char* kWebProfile = "[Application]\n"
                                    "Id=org.example.Web\n"
                                    "\n"
                                    "[Syscalls]\n"
                                    "Allow=read;write;exit_group\n"
                                    "DefaultAction=errno:EPERM\n";

// A shipped-style profile in the lower layer; an admin file of the same name only tightens it.
constexpr const char* kSystemServer = "[Application]\n"
                                      "Id=org.example.Server\n"
                                      "\n"
                                      "[Syscalls]\n"
                                      "Allow=read;write;keyctl;exit_group\n";

std::string errorOf(const std::function<void()>& call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        return e.getName() + ": " + e.getMessage();
    }
    return "ok";
}

bool startsWith(const std::string& text, std::string_view prefix) {
    return text.rfind(prefix, 0) == 0;
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// GVariant text for a string: single quotes, with quotes, backslashes and line breaks escaped.
std::string gvariantString(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out + "'";
}

// The PropertiesChanged signals of the Sandbox interface, on a connection of their own.
class ChangedProperties {
public:
    explicit ChangedProperties(std::unique_ptr<sdbus::IConnection> connection)
        : connection_(std::move(connection))
        , proxy_(sdbus::createProxy(*connection_, std::string(names::kBusName),
                                    std::string(names::kRootPath))) {
        proxy_->uponSignal("PropertiesChanged")
            .onInterface(std::string(names::iface::kProperties))
            .call([this](const std::string& interface,
                         const std::map<std::string, sdbus::Variant>& changed,
                         const std::vector<std::string>& invalidated) {
                if (interface != names::iface::kSandbox) {
                    return;
                }
                const std::lock_guard lock(mutex_);
                for (const auto& [name, value] : changed) {
                    names_.push_back(name);
                }
                names_.insert(names_.end(), invalidated.begin(), invalidated.end());
            });
        proxy_->finishRegistration();
        connection_->enterEventLoopAsync();
    }
    ~ChangedProperties() {
        connection_->leaveEventLoop();
        proxy_.reset();
    }
    ChangedProperties(const ChangedProperties&) = delete;
    ChangedProperties& operator=(const ChangedProperties&) = delete;

    bool seen(const std::string& property, double seconds = 5.0) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < deadline) {
            {
                const std::lock_guard lock(mutex_);
                if (std::find(names_.begin(), names_.end(), property) != names_.end()) {
                    return true;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::mutex mutex_;
    std::vector<std::string> names_;
};

class SandboxApi : public BusTestSuite<SandboxApi> {
protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        fs::remove_all(adminDir());
        fs::remove_all(systemDir());
        fs::create_directories(systemDir());
        std::ofstream(systemDir() / "server.profile") << kSystemServer;
        startDaemon();
        connection_ = harness_->connect();
        client_ = std::make_unique<SandboxClient>(*connection_);
    }

    void TearDown() override {
        client_.reset();
        connection_.reset();
        stopDaemon();
    }

    static fs::path adminDir() { return harness_->configDir() / "profiles"; }
    static fs::path systemDir() { return harness_->configDir().parent_path() / "system-profiles"; }
    // Where the CLI's input files go: the harness's directory, which nobody can read too.
    static fs::path inputFile(const std::string& name) {
        return harness_->configDir().parent_path() / name;
    }

    std::vector<AdminProfileView> adminProfiles() { return client_->adminProfiles(); }

    std::string installAs(uid_t uid, const std::string& name, const std::string& text) {
        return harness_->callAs(uid, std::string(names::kRootPath),
                                std::string(names::iface::kSandbox) + ".InstallProfile",
                                {gvariantString(name), gvariantString(text)});
    }

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<SandboxClient> client_;

private:
    // The harness's startDaemon() takes no environment; this one needs MAMORI_PROFILE_PATH.
    void startDaemon() {
        daemon_ = harness_->spawnDaemon({{"MAMORI_PROFILE_PATH", systemDir().string()}});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (!harness_->nameHasOwner(std::string(names::kBusName))) {
            ASSERT_TRUE(daemon_->running()) << harness_->daemonLogText();
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << harness_->daemonLogText();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    void stopDaemon() {
        if (!daemon_) {
            return;
        }
        daemon_->signal(SIGTERM);
        daemon_->wait(10.0);
        daemon_.reset();
        for (int i = 0; i < 200 && harness_->nameHasOwner(std::string(names::kBusName)); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    std::unique_ptr<Subprocess> daemon_;
};

TEST_F(SandboxApi, AdminProfilesListsTheFilesOfTheLayer) {
    EXPECT_TRUE(adminProfiles().empty()) << "no directory yet is an empty layer";
    fs::create_directories(adminDir());
    std::ofstream(adminDir() / "web.profile") << kWebProfile;
    std::ofstream(adminDir() / "broken.profile") << "[Syscalls]\nAllow=no_such_syscall\n";
    std::ofstream(adminDir() / "notes.txt") << "not a profile\n";

    const auto profiles = adminProfiles();
    ASSERT_EQ(profiles.size(), 2U);
    EXPECT_EQ(profiles[0].name, "broken");
    EXPECT_EQ(profiles[0].app, "") << "a file that does not load is listed without an id";
    EXPECT_EQ(profiles[1].name, "web");
    EXPECT_EQ(profiles[1].app, "org.example.Web");
    EXPECT_TRUE(contains(harness_->daemonLogText(), "broken.profile:2")) << "and logged";

    const auto nobodyReads = harness_->callAs(
        uidOf("nobody"), std::string(names::kRootPath), "org.freedesktop.DBus.Properties.Get",
        {"'" + std::string(names::iface::kSandbox) + "'", "'AdminProfiles'"});
    EXPECT_TRUE(startsWith(nobodyReads, "ok")) << nobodyReads;
    EXPECT_TRUE(contains(nobodyReads, "org.example.Web")) << nobodyReads;
}

TEST_F(SandboxApi, RootInstallsAProfileIntoTheAdminLayer) {
    ChangedProperties changes(harness_->connect());
    EXPECT_EQ(errorOf([&] { client_->InstallProfile("web", kWebProfile); }), "ok");

    const fs::path file = adminDir() / "web.profile";
    EXPECT_EQ(readFile(file), kWebProfile);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644U);
    ASSERT_EQ(::stat(adminDir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755U) << "the daemon created the layer directory";

    const auto profiles = adminProfiles();
    ASSERT_EQ(profiles.size(), 1U);
    EXPECT_EQ(profiles[0].name, "web");
    EXPECT_EQ(profiles[0].app, "org.example.Web");
    EXPECT_TRUE(changes.seen("AdminProfiles"));
    EXPECT_TRUE(contains(harness_->daemonLogText(),
                         "authorized org.mamori.Mamori1.Sandbox.InstallProfile"));

    // Installing again replaces the file.
    const std::string tighter = "[Application]\nId=org.example.Web\n\n[Syscalls]\nAllow=read\n";
    EXPECT_EQ(errorOf([&] { client_->InstallProfile("web", tighter); }), "ok");
    EXPECT_EQ(readFile(file), tighter);
}

TEST_F(SandboxApi, UnprivilegedCallerIsRefusedAndNothingIsWritten) {
    const auto reply = installAs(uidOf("nobody"), "web", kWebProfile);
    EXPECT_TRUE(startsWith(reply, names::error::kAccessDenied)) << reply;
    EXPECT_TRUE(contains(reply, names::action::kSandboxManage)) << reply;
    EXPECT_FALSE(fs::exists(adminDir() / "web.profile"));

    EXPECT_EQ(installAs(uidOf("daemon"), "web", kWebProfile), "ok") << "a polkit rule can grant it";
    EXPECT_TRUE(fs::exists(adminDir() / "web.profile"));
    const auto removal =
        harness_->callAs(uidOf("nobody"), std::string(names::kRootPath),
                         std::string(names::iface::kSandbox) + ".RemoveProfile", {"'web'"});
    EXPECT_TRUE(startsWith(removal, names::error::kAccessDenied)) << removal;
    EXPECT_TRUE(fs::exists(adminDir() / "web.profile"));
}

TEST_F(SandboxApi, ABadProfileIsRefusedNamingFileAndLine) {
    const auto unknownKey =
        errorOf([&] { client_->InstallProfile("bad", "[Syscalls]\nAllow=read\nAlow=write\n"); });
    EXPECT_TRUE(startsWith(unknownKey, names::error::kInvalidArgs)) << unknownKey;
    EXPECT_TRUE(contains(unknownKey, "bad.profile:3:")) << unknownKey;

    const auto unknownSyscall =
        errorOf([&] { client_->InstallProfile("bad", "[Syscalls]\n\nAllow=no_such_call\n"); });
    EXPECT_TRUE(startsWith(unknownSyscall, names::error::kInvalidArgs)) << unknownSyscall;
    EXPECT_TRUE(contains(unknownSyscall, "bad.profile:3:")) << unknownSyscall;

    const auto missingInclude =
        errorOf([&] { client_->InstallProfile("bad", "[Application]\nInclude=nowhere\n"); });
    EXPECT_TRUE(startsWith(missingInclude, names::error::kInvalidArgs)) << missingInclude;
    EXPECT_TRUE(contains(missingInclude, "bad.profile:2:")) << missingInclude;
    EXPECT_TRUE(contains(missingInclude, "nowhere")) << missingInclude;

    EXPECT_FALSE(fs::exists(adminDir() / "bad.profile"));
    EXPECT_TRUE(adminProfiles().empty());
}

TEST_F(SandboxApi, ABadNameIsRefused) {
    for (const std::string& name : std::vector<std::string>{
             "", "../evil", "sub/dir", ".hidden", "Upper", "with space", std::string(65, 'a')}) {
        const auto reply = errorOf([&] { client_->InstallProfile(name, kWebProfile); });
        EXPECT_TRUE(startsWith(reply, names::error::kInvalidArgs)) << name << ": " << reply;
        EXPECT_TRUE(contains(reply, "name: '" + name + "'")) << reply;
    }
    EXPECT_FALSE(fs::exists(harness_->configDir() / "evil.profile"));
    EXPECT_TRUE(adminProfiles().empty());
    EXPECT_EQ(errorOf([&] { client_->InstallProfile(std::string(64, 'a'), kWebProfile); }), "ok");
}

TEST_F(SandboxApi, ProfilesAreCheckedThroughTheLayers) {
    // Alone, this file limits a syscall it does not allow; over the system layer's server
    // profile, which allows keyctl, it is a valid tightening.
    const std::string limit = "[Limits]\nkeyctl=4\n";
    EXPECT_EQ(errorOf([&] { client_->InstallProfile("server", limit); }), "ok");
    EXPECT_EQ(adminProfiles().at(0).app, "org.example.Server") << "the id comes from below";
    const auto alone = errorOf([&] { client_->InstallProfile("lonely", limit); });
    EXPECT_TRUE(startsWith(alone, names::error::kInvalidArgs)) << alone;
    EXPECT_TRUE(contains(alone, "lonely.profile:2:")) << alone;

    // Includes resolve through both layers, the administrator's own profiles included.
    EXPECT_EQ(errorOf([&] { client_->InstallProfile("web", kWebProfile); }), "ok");
    EXPECT_EQ(errorOf([&] {
                  client_->InstallProfile(
                      "webplus", "[Application]\nInclude=web;server\nId=org.example.Plus\n");
              }),
              "ok");
    // An include of a profile that includes this one is a loop, found before writing.
    const auto loop = errorOf([&] {
        client_->InstallProfile("web", "[Application]\nInclude=webplus\n[Syscalls]\nAllow=read\n");
    });
    EXPECT_TRUE(startsWith(loop, names::error::kInvalidArgs)) << loop;
    EXPECT_TRUE(contains(loop, "include loop")) << loop;
    EXPECT_EQ(readFile(adminDir() / "web.profile"), kWebProfile);
}

TEST_F(SandboxApi, RemoveDeletesTheFileAndAMissingOneIsNotFound) {
    EXPECT_EQ(errorOf([&] { client_->InstallProfile("web", kWebProfile); }), "ok");
    ChangedProperties changes(harness_->connect());
    EXPECT_EQ(errorOf([&] { client_->RemoveProfile("web"); }), "ok");
    EXPECT_FALSE(fs::exists(adminDir() / "web.profile"));
    EXPECT_TRUE(adminProfiles().empty());
    EXPECT_TRUE(changes.seen("AdminProfiles"));

    const auto missing = errorOf([&] { client_->RemoveProfile("web"); });
    EXPECT_TRUE(startsWith(missing, std::string(names::error::kPrefix) + "NotFound")) << missing;
    const auto badName = errorOf([&] { client_->RemoveProfile("../mamori"); });
    EXPECT_TRUE(startsWith(badName, names::error::kInvalidArgs)) << badName;
}

TEST_F(SandboxApi, RegisterSandboxRefusesSomeoneElsesProcess) {
    std::array<int, 2> pipeFds{};
    ASSERT_EQ(::pipe2(pipeFds.data(), O_CLOEXEC), 0);
    const sdbus::UnixFd readEnd(pipeFds[0], sdbus::adopt_fd);
    const sdbus::UnixFd writeEnd(pipeFds[1], sdbus::adopt_fd);
    // pid 1 is not this test, which is the caller the bus knows.
    const auto reply = errorOf([&] { client_->RegisterSandbox("web", kWebProfile, readEnd, 1); });
    EXPECT_TRUE(startsWith(reply, names::error::kInvalidArgs)) << reply;
    EXPECT_TRUE(contains(reply, "pid: 1")) << reply;
    EXPECT_TRUE(client_->sandboxes().empty());
}

TEST_F(SandboxApi, RegisterSandboxRefusesWhatIsNotASeccompListener) {
    std::array<int, 2> pipeFds{};
    ASSERT_EQ(::pipe2(pipeFds.data(), O_CLOEXEC), 0);
    const sdbus::UnixFd readEnd(pipeFds[0], sdbus::adopt_fd);
    const sdbus::UnixFd writeEnd(pipeFds[1], sdbus::adopt_fd);
    const auto pid = static_cast<uint32_t>(::getpid());
    const auto reply = errorOf([&] { client_->RegisterSandbox("web", kWebProfile, readEnd, pid); });
    EXPECT_TRUE(startsWith(reply, names::error::kInvalidArgs)) << reply;
    EXPECT_TRUE(contains(reply, "listener")) << reply;
    EXPECT_TRUE(client_->sandboxes().empty());
}

TEST_F(SandboxApi, CliInstallsListsAndRemoves) {
    std::ofstream(inputFile("web-input.profile")) << kWebProfile;
    const auto install =
        harness_->mamorictl({"sandbox", "install", "web", inputFile("web-input.profile")});
    EXPECT_EQ(install.exitCode, 0) << install.err;
    EXPECT_TRUE(contains(install.out, "web")) << install.out;
    EXPECT_EQ(readFile(adminDir() / "web.profile"), kWebProfile);

    const auto profiles = harness_->mamorictl({"sandbox", "profiles", "--json"}, uidOf("nobody"));
    EXPECT_EQ(profiles.exitCode, 0) << profiles.err;
    EXPECT_TRUE(contains(profiles.out, R"({"name":"web","app":"org.example.Web"})"))
        << profiles.out;
    const auto table = harness_->mamorictl({"sandbox", "profiles"});
    EXPECT_EQ(table.exitCode, 0) << table.err;
    EXPECT_TRUE(contains(table.out, "org.example.Web")) << table.out;

    const auto list = harness_->mamorictl({"sandbox", "list"}, uidOf("nobody"));
    EXPECT_EQ(list.exitCode, 0) << list.err;
    EXPECT_TRUE(contains(list.out, "No supervised sandboxes")) << list.out;
    const auto listJson = harness_->mamorictl({"--json", "sandbox", "list"});
    EXPECT_EQ(listJson.exitCode, 0) << listJson.err;
    EXPECT_EQ(listJson.out, "[]\n");

    const auto remove = harness_->mamorictl({"sandbox", "remove", "web", "--json"});
    EXPECT_EQ(remove.exitCode, 0) << remove.err;
    EXPECT_EQ(remove.out, "{\"name\":\"web\",\"removed\":true}\n");
    EXPECT_FALSE(fs::exists(adminDir() / "web.profile"));

    const auto again = harness_->mamorictl({"sandbox", "remove", "web"});
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_TRUE(contains(again.err, "no profile 'web'")) << again.err;
}

TEST_F(SandboxApi, CliReportsRefusalsWithTheirExitCodes) {
    std::ofstream(inputFile("web-input.profile")) << kWebProfile;
    fs::permissions(inputFile("web-input.profile"), fs::perms::owner_read | fs::perms::owner_write |
                                                        fs::perms::group_read |
                                                        fs::perms::others_read);
    const auto denied = harness_->mamorictl(
        {"sandbox", "install", "web", inputFile("web-input.profile")}, uidOf("nobody"));
    EXPECT_EQ(denied.exitCode, 4) << denied.err;
    EXPECT_TRUE(contains(denied.err, "mamorictl: not authorized")) << denied.err;
    EXPECT_FALSE(fs::exists(adminDir() / "web.profile"));

    std::ofstream(inputFile("bad-input.profile")) << "[Syscalls]\nAllow=read\nAlow=write\n";
    const auto bad =
        harness_->mamorictl({"sandbox", "install", "bad", inputFile("bad-input.profile")});
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_TRUE(contains(bad.err, "bad.profile:3:")) << bad.err;

    const auto unreadable =
        harness_->mamorictl({"sandbox", "install", "web", inputFile("no-such-file")});
    EXPECT_EQ(unreadable.exitCode, 1);
    EXPECT_TRUE(contains(unreadable.err, "cannot read")) << unreadable.err;

    const auto usage = harness_->mamorictl({"sandbox", "install", "web"});
    EXPECT_EQ(usage.exitCode, 2);
}

TEST_F(SandboxApi, CliWatchPrintsViolationSignalsUntilInterrupted) {
    // No sandbox runs here to violate anything; what is checked is that watch subscribes,
    // keeps running and ends cleanly on SIGINT.
    Subprocess watch({{MAMORICTL_PATH, "--json", "sandbox", "watch"},
                      {{"DBUS_SYSTEM_BUS_ADDRESS", harness_->address()}},
                      {},
                      {},
                      {}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_TRUE(watch.running());
    watch.signal(SIGINT);
    EXPECT_EQ(watch.wait(5.0), 0);
}

} // namespace
