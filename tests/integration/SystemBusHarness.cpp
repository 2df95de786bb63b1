#include "SystemBusHarness.h"

#include "TestFiles.h"
#include "common/Names.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace mamori::test {
namespace {

constexpr const char* kDbusDaemon = "/usr/bin/dbus-daemon";
constexpr const char* kPolkitd = "/usr/lib/polkit-1/polkitd";
constexpr const char* kPolkitActions = "/usr/share/polkit-1/actions";
constexpr const char* kPolkitRules = "/etc/polkit-1/rules.d";
// A test process under umockdev-wrapper hands its fake /sys to mamorid only; the bus, polkitd
// and the clients must see the real machine (polkitd reads /proc and /sys for sessions).
const std::vector<std::string> kMockEnvironment{"LD_PRELOAD", "UMOCKDEV_DIR"};

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
        text.replace(pos, from.size(), to);
    }
}

std::filesystem::path makeTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mamori-bus-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    // polkitd drops to its own user and the tests call as nobody: all must reach the socket.
    std::filesystem::permissions(
        pattern, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                     std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                     std::filesystem::perms::others_exec);
    return pattern;
}

// The test's rules: see SystemBusHarness.h.
constexpr const char* kTestRules =
    R"(// Installed by Mamori's integration tests; removed when they end.
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.mamori.") != 0) {
        return polkit.Result.NOT_HANDLED;
    }
    if (subject.user == "daemon") {
        return polkit.Result.YES;
    }
    if (subject.user == "bin") {
        polkit.spawn(["/bin/sleep", "3"]);
        return polkit.Result.YES;
    }
    return polkit.Result.NOT_HANDLED;
});
)";

} // namespace

std::string SystemBusHarness::unavailableReason() {
    if (geteuid() != 0) {
        return "needs root: installs a polkit policy and runs polkitd and mamorid";
    }
    for (const char* binary : {kDbusDaemon, kPolkitd}) {
        if (access(binary, X_OK) != 0) {
            return std::string("needs ") + binary + " (run scripts/install-deps.sh)";
        }
    }
    return {};
}

SystemBusHarness::SystemBusHarness()
    : dir_(makeTempDir())
    , stateDir_(dir_ / "state")
    , configDir_(dir_ / "config") {
    std::filesystem::create_directories(stateDir_);
    std::filesystem::create_directories(configDir_);
    // Other users cannot be assumed to reach the build tree (a checkout under a private
    // directory), so they run a copy of mamorictl from the harness's world-readable directory.
    std::filesystem::copy_file(MAMORICTL_PATH, mamorictlCopy());
    startBus();
    installPolkitFiles();
    startPolkit();
}

SystemBusHarness::~SystemBusHarness() {
    daemon_.reset();
    polkit_.reset();
    bus_.reset();
    std::error_code ec;
    for (const auto& file : installed_) {
        if (file.previous) {
            std::ofstream(file.path) << *file.previous;
        } else {
            std::filesystem::remove(file.path, ec);
        }
    }
    std::filesystem::remove_all(dir_, ec);
}

void SystemBusHarness::startBus() {
    const auto socket = dir_ / "system_bus_socket";
    std::string config = readFile(MAMORI_SOURCE_DIR "/scripts/private-system-bus.conf.in");
    replaceAll(config, "@SOCKET@", socket.string());
    replaceAll(config, "@POLICY_DIR@", MAMORI_SOURCE_DIR "/dbus");
    std::ofstream(dir_ / "bus.conf") << config;
    bus_ = std::make_unique<Subprocess>(Subprocess::Options{
        {kDbusDaemon, "--nofork", "--nosyslog", "--config-file=" + (dir_ / "bus.conf").string()},
        {},
        {},
        (dir_ / "dbus-daemon.log").string(),
        kMockEnvironment});
    address_ = "unix:path=" + socket.string();
    for (int i = 0; i < 500 && !std::filesystem::exists(socket); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!std::filesystem::exists(socket)) {
        throw std::runtime_error("dbus-daemon did not start: " +
                                 readFile(dir_ / "dbus-daemon.log"));
    }
    // Clients in this process (sdbus-c++) and every child find the bus through this variable.
    setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);
}

void SystemBusHarness::installPolkitFiles() {
    installFile(std::filesystem::path(kPolkitActions) / "org.mamori.policy",
                readFile(MAMORI_SOURCE_DIR "/polkit/org.mamori.policy"));
    installFile(std::filesystem::path(kPolkitRules) / "49-mamori-tests.rules", kTestRules);
}

void SystemBusHarness::installFile(const std::filesystem::path& path, const std::string& content) {
    // The tree's version wins over an installed (possibly older) one for the test's duration.
    std::optional<std::string> previous;
    if (std::filesystem::exists(path)) {
        previous = readFile(path);
    }
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
    installed_.push_back({path, std::move(previous)});
}

void SystemBusHarness::startPolkit() {
    polkit_ =
        std::make_unique<Subprocess>(Subprocess::Options{{kPolkitd, "--no-debug"},
                                                         {{"DBUS_SYSTEM_BUS_ADDRESS", address_}},
                                                         {},
                                                         (dir_ / "polkitd.log").string(),
                                                         kMockEnvironment});
    waitForName("org.freedesktop.PolicyKit1", 15.0);
}

std::unique_ptr<sdbus::IConnection> SystemBusHarness::connect() const {
    return sdbus::createSystemBusConnection();
}

bool SystemBusHarness::nameHasOwner(const std::string& name) const {
    auto connection = connect();
    auto bus = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool owned = false;
    bus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(name)
        .storeResultsTo(owned);
    return owned;
}

void SystemBusHarness::waitForName(const std::string& name, double seconds) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (nameHasOwner(name)) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error(name + " did not appear on the bus within " + std::to_string(seconds) +
                             " s; polkitd log: " + readFile(dir_ / "polkitd.log") +
                             "; mamorid log: " + daemonLogText());
}

std::map<std::string, std::string> SystemBusHarness::daemonEnvironment() const {
    return {{"DBUS_SYSTEM_BUS_ADDRESS", address_},
            {"STATE_DIRECTORY", stateDir_.string()},
            {"CONFIGURATION_DIRECTORY", configDir_.string()}};
}

std::unique_ptr<Subprocess>
SystemBusHarness::spawnDaemon(const std::map<std::string, std::string>& extraEnv) {
    auto env = daemonEnvironment();
    env.insert(extraEnv.begin(), extraEnv.end());
    return std::make_unique<Subprocess>(
        // mamorid keeps LD_PRELOAD and UMOCKDEV_DIR: it is the one meant to see the testbed.
        Subprocess::Options{{MAMORID_PATH}, env, {}, daemonLog().string(), {}});
}

void SystemBusHarness::startDaemon() {
    daemon_ = spawnDaemon();
    waitForName(std::string(names::kBusName), 15.0);
}

int SystemBusHarness::stopDaemon(int signo) {
    if (!daemon_) {
        return -1;
    }
    daemon_->signal(signo);
    const int status = daemon_->wait(10.0);
    daemon_.reset();
    // The bus drops the name when the connection closes; wait so the next start is clean.
    for (int i = 0; i < 200 && nameHasOwner(std::string(names::kBusName)); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status;
}

bool SystemBusHarness::daemonRunning() {
    return daemon_ && daemon_->running();
}

std::string SystemBusHarness::daemonLogText() const {
    return readFile(daemonLog());
}

RunResult SystemBusHarness::mamorictl(const std::vector<std::string>& args,
                                      std::optional<uid_t> uid) const {
    std::vector<std::string> argv{mamorictlCopy().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, uid);
}

RunResult SystemBusHarness::run(const std::vector<std::string>& argv,
                                std::optional<uid_t> uid) const {
    return Subprocess::run(
        {argv, {{"DBUS_SYSTEM_BUS_ADDRESS", address_}}, uid, {}, kMockEnvironment});
}

} // namespace mamori::test

namespace mamori::test {

std::string SystemBusHarness::callAs(uid_t uid, const std::string& path,
                                     const std::string& interfaceDotMethod,
                                     const std::vector<std::string>& args) const {
    std::vector<std::string> argv{
        "/usr/bin/gdbus", "call", "--system", "--dest",          std::string(names::kBusName),
        "--object-path",  path,   "--method", interfaceDotMethod};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run(argv, uid);
    auto trim = [](std::string text) {
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
            text.pop_back();
        }
        return text;
    };
    if (result.exitCode == 0) {
        const auto reply = trim(result.out);
        return reply == "()" ? "ok" : "ok " + reply;
    }
    // gdbus: "Error: GDBus.Error:<name>: <message>"
    constexpr std::string_view kMarker = "GDBus.Error:";
    const auto marker = result.err.find(kMarker);
    if (marker == std::string::npos) {
        return "gdbus failed: " + trim(result.err);
    }
    return trim(result.err.substr(marker + kMarker.size()));
}

} // namespace mamori::test
