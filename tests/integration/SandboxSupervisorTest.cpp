// Supervised sandboxes end to end: mamorid on the private system bus with the real polkitd,
// mamori-run started as `nobody` hands its notifier to mamorid, and the syscall probe shows
// what the supervisor decides — count limits (the CVE-2016-0728 keyctl loop), the launcher's
// first exec, pointer checks, violations with their D-Bus signal and counters, what
// serialization through the notifier cannot guarantee, and failing closed when mamorid dies.
#include "BusTestSuite.h"
#include "Eventually.h"
#include "Subprocess.h"
#include "SystemBusHarness.h"
#include "TempDir.h"
#include "TestFiles.h"
#include "ViolationLog.h"
#include "client/SandboxClient.h"
#include "common/Names.h"

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <string>
#include <vector>

using namespace mamori;
using namespace mamori::test;

namespace {

// A probe profile: what every test profile allows (enough for the probe, its libc and
// threads) plus `allow`, then more [Syscalls] keys and more groups.
std::string profile(const std::string& allow, const std::string& syscallKeys = "",
                    const std::string& groups = "") {
    return "[Application]\nId=org.mamori.Probe\n\n[Syscalls]\nAllow=@system-service;ioctl;prctl" +
           (allow.empty() ? "" : ";" + allow) + "\n" + syscallKeys + "\n" + groups;
}

class SandboxSupervisor : public BusTestSuite<SandboxSupervisor> {
public:
    static void startSuite(SystemBusHarness& harness) { harness.startDaemon(); }

protected:
    void SetUp() override {
        BusTestSuite::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        if (!harness_->daemonRunning()) {
            harness_->startDaemon();
        }
        // nobody must reach the programs and profiles: copies in a world-readable directory.
        std::filesystem::permissions(dir_.path(), static_cast<std::filesystem::perms>(0755));
        std::filesystem::copy_file(MAMORI_RUN_PATH, dir_.path() / "mamori-run");
        std::filesystem::copy_file(MAMORI_SYSCALL_PROBE_PATH, probe());
        std::filesystem::copy_file(MAMORI_PHASE_LIBRARY_PATH, dir_.path() / "libmamori-phase.so");
        connection_ = harness_->connect();
        client_ = std::make_unique<SandboxClient>(*connection_);
        violations_ = std::make_unique<ViolationLog>(harness_->connect());
    }

    void TearDown() override {
        violations_.reset();
        client_.reset();
        connection_.reset();
    }

    std::filesystem::path probe() const { return dir_.path() / "mamori_syscall_probe"; }

    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir_.path() / (name + ".profile")) << text;
    }

    Subprocess::Options options(const std::vector<std::string>& args) const {
        Subprocess::Options o;
        o.argv = {(dir_.path() / "mamori-run").string()};
        o.argv.insert(o.argv.end(), args.begin(), args.end());
        o.env = {{"MAMORI_PROFILE_PATH", dir_.path().string()},
                 {"DBUS_SYSTEM_BUS_ADDRESS", harness_->address()},
                 {"ASAN_OPTIONS", "verify_asan_link_order=0"}};
        o.uid = uidOf("nobody");
        return o;
    }

    // mamori-run PROFILE -- probe CALLS..., as nobody.
    RunResult sandboxed(const std::string& name, const std::vector<std::string>& calls) const {
        std::vector<std::string> args{name, "--", probe().string()};
        args.insert(args.end(), calls.begin(), calls.end());
        return Subprocess::run(options(args));
    }

    bool hasViolation(const std::string& syscall, const std::string& action) {
        return eventually([&] {
            for (const auto& v : violations_->seen()) {
                if (v.syscall == syscall && v.action == action) {
                    return true;
                }
            }
            return false;
        });
    }

    TempDir dir_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<SandboxClient> client_;
    std::unique_ptr<ViolationLog> violations_;
};

// CVE-2016-0728: each KEYCTL_JOIN_SESSION_KEYRING leaked a reference until the count wrapped.
// With `keyctl=16` the 17th call and every later one is refused; the loop itself is harmless
// on a fixed kernel, so unsandboxed all 50 succeed.
TEST_F(SandboxSupervisor, CountLimitStopsTheKeyctlLoopUnsandboxedItRuns) {
    write("counted", profile("keyctl", "DenyAction=errno:EDQUOT", "[Limits]\nkeyctl=16\n"));
    const RunResult result = sandboxed("counted", {"keyctl_join*50"});
    EXPECT_EQ(result.exitCode, 0) << result.err << harness_->daemonLogText();
    EXPECT_EQ(result.out, "keyctl_join*50 ok 16 errno " + std::to_string(EDQUOT) + "\n")
        << result.err;
    EXPECT_TRUE(hasViolation("keyctl", "errno:EDQUOT"));

    Subprocess::Options unsandboxed;
    unsandboxed.argv = {probe().string(), "keyctl_join*50"};
    unsandboxed.uid = uidOf("nobody");
    const RunResult free = Subprocess::run(unsandboxed);
    EXPECT_EQ(free.out, "keyctl_join*50 ok 50 errno 0\n") << free.err;
}

// A refusal goes through the supervisor: the profile's errno, a Violation signal naming the
// app, the syscall and the rule with its file:line, and the sandbox's counter.
TEST_F(SandboxSupervisor, ViolationIsRefusedSignalledAndCounted) {
    write("noptrace", profile("", "Deny=ptrace\nDenyAction=errno:EROFS"));
    const RunResult result = sandboxed("noptrace", {"ptrace", "getppid", "no_notifier"});
    EXPECT_EQ(result.out,
              "ptrace errno " + std::to_string(EROFS) + "\ngetppid ok\nno_notifier ok\n")
        << result.err << harness_->daemonLogText();
    ASSERT_TRUE(hasViolation("ptrace", "errno:EROFS"));
    const auto v = violations_->seen().front();
    EXPECT_EQ(v.app, "org.mamori.Probe");
    EXPECT_NE(v.rule.find("Deny=ptrace (noptrace:"), std::string::npos) << v.rule;
    EXPECT_GT(v.pid, 0U);
}

TEST_F(SandboxSupervisor, KillActionKillsTheProgram) {
    write("killptrace", profile("", "Deny=ptrace\nDenyAction=kill"));
    Subprocess child(options({"killptrace", "--", probe().string(), "ptrace"}));
    EXPECT_EQ(child.wait(), -SIGKILL);
    EXPECT_TRUE(hasViolation("ptrace", "kill"));
}

// A running sandbox is listed with its profile, app, pid and uid, and leaves the list when
// its program exits.
TEST_F(SandboxSupervisor, RunningSandboxIsListedUntilItsProgramExits) {
    write("sleeper", profile(""));
    Subprocess child(options({"sleeper", "--", probe().string(), "sleep=1500"}));
    ASSERT_TRUE(eventually([&] { return !client_->sandboxes().empty(); }))
        << harness_->daemonLogText();
    const auto listed = client_->sandboxes().front();
    EXPECT_EQ(listed.profile, "sleeper");
    EXPECT_EQ(listed.app, "org.mamori.Probe");
    EXPECT_EQ(listed.pid, static_cast<uint32_t>(child.pid()));
    EXPECT_EQ(listed.uid, uidOf("nobody"));
    EXPECT_EQ(child.wait(), 0);
    EXPECT_TRUE(eventually([&] { return client_->sandboxes().empty(); }));
}

// A profile that refuses execve can still be started: the supervisor lets exactly the
// launcher's exec through. The program itself cannot exec.
TEST_F(SandboxSupervisor, FirstExecIsTheLaunchersOnly) {
    write("noexec", profile("", "Deny=execve;execveat\nDenyAction=errno:EACCES"));
    const RunResult result = sandboxed("noexec", {"exec=/bin/true"});
    EXPECT_EQ(result.exitCode, 0) << result.err << harness_->daemonLogText();
    EXPECT_EQ(result.out, "exec=/bin/true errno " + std::to_string(EACCES) + "\n");
}

// The shipped curl profile refuses execve; supervised, curl runs.
TEST_F(SandboxSupervisor, ShippedCurlProfileRunsSupervised) {
    const auto shipped = dir_.path() / "shipped";
    std::filesystem::copy(std::string(MAMORI_SOURCE_DIR) + "/packaging/profiles", shipped);
    Subprocess::Options o = options({"curl", "--", "curl", "--version"});
    o.env["MAMORI_PROFILE_PATH"] = shipped.string();
    const RunResult result = Subprocess::run(o);
    EXPECT_EQ(result.exitCode, 0) << result.err << harness_->daemonLogText();
    EXPECT_NE(result.out.find("libcurl"), std::string::npos) << result.out;
}

// A path prefix rule reads the path from the program's memory (TOCTOU-unsafe on a stock
// kernel, hence the explicit opt-in): under the prefix passes, outside or climbing out does not.
TEST_F(SandboxSupervisor, PathPrefixRuleChecksThePathThroughTheNotifier) {
    write("etconly", profile("open", "AllowUnsafePointerChecks=true\nDefaultAction=errno:EPERM",
                             "[Arguments]\nopen=path prefix /etc\n"));
    const RunResult result =
        sandboxed("etconly", {"open=/etc/hostname", "open=/proc/self/status",
                              "open=/etc/../proc/self/status", "open=/etcetera"});
    EXPECT_EQ(result.out, "open=/etc/hostname ok\nopen=/proc/self/status errno 1\n"
                          "open=/etc/../proc/self/status errno 1\nopen=/etcetera errno 1\n")
        << result.err << harness_->daemonLogText();
}

// What the notifier cannot do: mremap|ftruncate-style serialization. The supervisor sees both
// calls of a pair, but is never told when a continued call ends, so it lets the ftruncate
// through while the read is still blocked in the kernel. Sound serialization needs the
// seccomp-eBPF patch (kernel-patches/).
TEST_F(SandboxSupervisor, SerializedPairStillOverlapsThroughTheNotifier) {
    write("pair", profile("", "", "[Serialize]\nPairs=read|ftruncate\n"));
    const RunResult result = sandboxed("pair", {"read_while_truncating"});
    EXPECT_EQ(result.out, "overlap yes\nread_while_truncating ok\n")
        << result.err << harness_->daemonLogText();
}

// When mamorid dies, nothing the profile left to the supervisor runs: the kernel answers
// ENOSYS for every notification, while what the filter allows by itself keeps working.
TEST_F(SandboxSupervisor, SandboxFailsClosedWhenTheSupervisorDies) {
    write("dying", profile("keyctl", "", "[Limits]\nkeyctl=100\n"));
    // The probe's output goes to a file, so the test can kill mamorid while it runs.
    const auto out = dir_.path() / "dying.out";
    std::ofstream(out).close();
    std::filesystem::permissions(out, static_cast<std::filesystem::perms>(0666));
    Subprocess::Options o = options(
        {"dying", "--", probe().string(), "keyctl_join", "sleep=1500", "keyctl_join", "getppid"});
    o.argv.insert(o.argv.begin(), {"/bin/sh", "-c", R"(exec "$0" "$@" > )" + out.string()});
    Subprocess child(o);
    // mamorid answered the first keyctl; now it dies while the program sleeps.
    ASSERT_TRUE(eventually([&] { return readFile(out).starts_with("keyctl_join ok\n"); }))
        << readFile(out) << harness_->daemonLogText();
    harness_->stopDaemon(SIGKILL);
    EXPECT_EQ(child.wait(), 0);
    EXPECT_EQ(readFile(out), "keyctl_join ok\nsleep=1500 ok\nkeyctl_join errno " +
                                 std::to_string(ENOSYS) + "\ngetppid ok\n");
    harness_->startDaemon();
}

} // namespace
