// A real system-type bus for one test suite: a private dbus-daemon with Mamori's bus policy, the
// real polkitd with Mamori's .policy and test rules installed, and mamorid with temporary
// configuration and state directories. Everything is torn down (and the installed polkit files
// removed) when the harness goes away.
//
// Test rules: uid `daemon` is granted every org.mamori.* action (to test a rule that says yes);
// uid `bin` is granted them only after polkit.spawn(sleep) (to test that mamorid keeps serving
// while an authorization is pending); everyone else gets the policy's defaults.
#pragma once

#include "Subprocess.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace mamori::test {

class SystemBusHarness {
public:
    SystemBusHarness();
    ~SystemBusHarness();
    SystemBusHarness(const SystemBusHarness&) = delete;
    SystemBusHarness& operator=(const SystemBusHarness&) = delete;

    // Empty when the harness can run here, otherwise why not (printed by GTEST_SKIP).
    static std::string unavailableReason();

    const std::string& address() const { return address_; }
    const std::filesystem::path& stateDir() const { return stateDir_; }
    const std::filesystem::path& configDir() const { return configDir_; }
    std::filesystem::path daemonLog() const { return dir_ / "mamorid.log"; }
    std::string daemonLogText() const;

    void startDaemon();
    // Sends `signo`, returns mamorid's exit status (-signal when it died of it).
    int stopDaemon(int signo);
    bool daemonRunning();
    // Starts another mamorid without waiting for it to own the name.
    std::unique_ptr<Subprocess>
    spawnDaemon(const std::map<std::string, std::string>& extraEnv = {});

    // A new connection to the private bus as the test's own user (root).
    std::unique_ptr<sdbus::IConnection> connect() const;
    bool nameHasOwner(const std::string& name) const;

    // mamorictl with the given arguments, as `uid` (root when empty).
    RunResult mamorictl(const std::vector<std::string>& args, std::optional<uid_t> uid = {}) const;
    // Any program, with this bus as the system bus.
    RunResult run(const std::vector<std::string>& argv, std::optional<uid_t> uid = {}) const;

    // Calls `interfaceDotMethod` on mamorid's object `path` as `uid`, through gdbus (a separate
    // program, so no test code runs in a forked copy of this multi-threaded process). `args`
    // are GVariant texts, e.g. "'once'" or "@ay []". Returns "ok" plus gdbus's printed reply,
    // or "<D-Bus error name>: <message>".
    std::string callAs(uid_t uid, const std::string& path, const std::string& interfaceDotMethod,
                       const std::vector<std::string>& args = {}) const;

private:
    void startBus();
    void installPolkitFiles();
    void installFile(const std::filesystem::path& path, const std::string& content);
    void startPolkit();
    void waitForName(const std::string& name, double seconds) const;
    std::map<std::string, std::string> daemonEnvironment() const;
    std::filesystem::path mamorictlCopy() const { return dir_ / "mamorictl"; }

    std::filesystem::path dir_;
    std::filesystem::path stateDir_;
    std::filesystem::path configDir_;
    std::string address_;
    std::unique_ptr<Subprocess> bus_;
    std::unique_ptr<Subprocess> polkit_;
    std::unique_ptr<Subprocess> daemon_;
    struct InstalledFile {
        std::filesystem::path path;
        std::optional<std::string> previous; // restored at teardown; removed when empty
    };
    std::vector<InstalledFile> installed_;
};

} // namespace mamori::test
