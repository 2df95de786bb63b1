// mamori-run for real, without mamorid: profiles written to a temporary layer directory
// (MAMORI_PROFILE_PATH), programs and the syscall probe started under them as `nobody` (or the
// unprivileged user running the tests), so the launcher is shown to need no privileges.
// mamori-run execs into the program, so the program's exit status and death signal are what
// these tests see. The supervised runs are in SandboxSupervisorTest.
#include "Subprocess.h"
#include "TempDir.h"

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace mamori::test {
namespace {

constexpr const char* kAllowAllButPtrace = R"([Syscalls]
Allow=@system-service;ioctl;prctl
Deny=ptrace
DenyAction=errno:EROFS
DefaultAction=errno:ENOSYS
)";

constexpr const char* kKillPtrace = R"([Syscalls]
Allow=@system-service;ioctl;prctl
Deny=ptrace
DenyAction=kill
DefaultAction=errno:ENOSYS
)";

// bind only while starting; the first epoll_wait begins serving. No @network-io, so that bind
// is the phase's own.
constexpr const char* kPhased = R"([Syscalls]
Allow=@default;@basic-io;@file-system;@io-event;@process;@signal;@ipc;@resources;socket;ioctl;prctl;getrandom;mprotect;munmap;madvise;mremap
DefaultAction=errno:ENOSYS

[Phases]
Order=init;serve
Switch.serve=first:epoll_wait

[Phase init]
Allow=bind
)";

constexpr const char* kCountedKeyctl = R"([Syscalls]
Allow=@system-service;ioctl;prctl
DefaultAction=errno:ENOSYS

[Limits]
keyctl=16
)";

class LauncherTest : public ::testing::Test {
protected:
    void SetUp() override {
        // mkdtemp makes the directory private; the launcher runs as nobody and must read it.
        constexpr auto kWorldReadable = static_cast<std::filesystem::perms>(0755);
        std::filesystem::permissions(dir_.path(), kWorldReadable);
        write("allow", kAllowAllButPtrace);
        write("killptrace", kKillPtrace);
        write("counted", kCountedKeyctl);
        write("phased", kPhased);
        // nobody cannot be assumed to reach the build tree (a checkout under a private
        // directory), so it runs copies from the world-readable test directory.
        std::filesystem::copy_file(MAMORI_RUN_PATH, launcher());
        std::filesystem::copy_file(MAMORI_SYSCALL_PROBE_PATH, syscallProbe());
        std::filesystem::copy_file(MAMORI_PHASE_LIBRARY_PATH, dir_.path() / "libmamori-phase.so");
    }

    std::filesystem::path launcher() const { return dir_.path() / "mamori-run"; }
    std::filesystem::path syscallProbe() const { return dir_.path() / "mamori_syscall_probe"; }

    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir_.path() / (name + ".profile")) << text;
    }

    Subprocess::Options options(const std::vector<std::string>& launcherArgs) const {
        Subprocess::Options o;
        o.argv = {launcher().string()};
        o.argv.insert(o.argv.end(), launcherArgs.begin(), launcherArgs.end());
        o.env = {{"MAMORI_PROFILE_PATH", dir_.path().string()},
                 // No mamorid here, even on a machine whose system bus has one.
                 {"DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + (dir_.path() / "no-bus").string()},
                 // The phase library is not instrumented; an ASan build of the probe would
                 // otherwise refuse to start with it preloaded first.
                 {"ASAN_OPTIONS", "verify_asan_link_order=0"}};
        // The point is that no privilege is needed: as root, drop to nobody first.
        if (::geteuid() == 0) {
            o.uid = uidOf("nobody");
        }
        return o;
    }

    RunResult run(const std::vector<std::string>& launcherArgs) const {
        return Subprocess::run(options(launcherArgs));
    }

    RunResult probe(const std::vector<std::string>& launcherOptions, const std::string& syscall) {
        return probeAll(launcherOptions, {syscall});
    }

    RunResult probeAll(const std::vector<std::string>& launcherOptions,
                       const std::vector<std::string>& calls) {
        std::vector<std::string> args = launcherOptions;
        args.insert(args.end(), {"--", syscallProbe().string()});
        args.insert(args.end(), calls.begin(), calls.end());
        return run(args);
    }

    TempDir dir_;
};

TEST_F(LauncherTest, RunsATrivialProgramUnprivileged) {
    const RunResult result = run({"allow", "--", "/bin/true"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
}

TEST_F(LauncherTest, SearchesPathLikeExecvp) {
    const RunResult result = run({"allow", "--", "true"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
}

TEST_F(LauncherTest, AllowedCallsWorkAndDeniedOnesGetTheProfilesErrno) {
    for (const char* allowed : {"getppid", "uname", "socket"}) {
        const RunResult result = probe({"allow"}, allowed);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        EXPECT_EQ(result.out, std::string(allowed) + " ok\n") << result.err;
    }
    const RunResult denied = probe({"allow"}, "ptrace");
    EXPECT_EQ(denied.out, "ptrace errno " + std::to_string(EROFS) + "\n") << denied.err;
}

TEST_F(LauncherTest, KillActionKillsTheProgramWithSigsys) {
    Subprocess::Options o = options({"killptrace", "--", syscallProbe().string(), "ptrace"});
    Subprocess child(o);
    EXPECT_EQ(child.wait(), -SIGSYS);
    Subprocess allowed(options({"killptrace", "--", syscallProbe().string(), "getppid"}));
    EXPECT_EQ(allowed.wait(), 0);
}

TEST_F(LauncherTest, ProfileNeedingTheSupervisorIsRefused) {
    const RunResult result = probe({"counted"}, "keyctl");
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_EQ(result.out, "");
    EXPECT_NE(result.err.find("needs the supervisor for: keyctl"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("mamorid is not running"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("pass --stateless"), std::string::npos) << result.err;
}

// Phases need no supervisor: the preloaded library stacks the serve filter at the first
// epoll_wait, after which the init-only bind is refused while everything else still works.
TEST_F(LauncherTest, PhaseSwitchRefusesInitOnlySyscallsAfterTheFirstEpollWait) {
    const RunResult result = probeAll({"phased"}, {"bind", "epoll_wait", "bind", "getppid"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out,
              "bind ok\nepoll_wait ok\nbind errno " + std::to_string(ENOSYS) + "\ngetppid ok\n")
        << result.err;
}

TEST_F(LauncherTest, WithoutTheSwitchTheProgramStaysInItsFirstPhase) {
    const RunResult result = probeAll({"phased"}, {"bind", "getppid", "bind"});
    EXPECT_EQ(result.out, "bind ok\ngetppid ok\nbind ok\n") << result.err;
}

TEST_F(LauncherTest, PhasesWithoutTheLibraryAreRefused) {
    // An installed copy would be found too; point the launcher at one that is not there.
    Subprocess::Options o = options({"phased", "--", syscallProbe().string(), "bind"});
    o.env["MAMORI_PHASE_LIBRARY"] = (dir_.path() / "gone" / "libmamori-phase.so").string();
    const RunResult result = Subprocess::run(o);
    EXPECT_EQ(result.exitCode, 125);
    EXPECT_NE(result.err.find("libmamori-phase.so"), std::string::npos) << result.err;
}

TEST_F(LauncherTest, StatelessRunsWithTheCountedSyscallRefused) {
    const RunResult result = probe({"--stateless", "counted"}, "keyctl");
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, "keyctl errno " + std::to_string(ENOSYS) + "\n");
    EXPECT_NE(result.err.find("more strictly than written"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("keyctl"), std::string::npos) << result.err;

    const RunResult quiet = probe({"--stateless", "--quiet", "counted"}, "getppid");
    EXPECT_EQ(quiet.out, "getppid ok\n");
    EXPECT_EQ(quiet.err, "");
}

TEST_F(LauncherTest, ProfileErrorsNameFileAndLine) {
    write("broken", "[Syscalls]\nAllow=@no-such-group\n");
    const RunResult broken = run({"broken", "--", "/bin/true"});
    EXPECT_EQ(broken.exitCode, 125);
    EXPECT_NE(broken.err.find((dir_.path() / "broken.profile").string() + ":2:"), std::string::npos)
        << broken.err;

    const RunResult missing = run({"no-such-profile", "--", "/bin/true"});
    EXPECT_EQ(missing.exitCode, 125);
    EXPECT_NE(missing.err.find("no-such-profile"), std::string::npos) << missing.err;
}

TEST_F(LauncherTest, MissingAndUnexecutableCommands) {
    EXPECT_EQ(run({"allow", "--", "no-such-command-mamori"}).exitCode, 127);
    EXPECT_EQ(run({"allow", "--", "/no/such/file"}).exitCode, 127);
    EXPECT_EQ(run({"allow", "--", "/etc/passwd"}).exitCode, 126);
}

TEST_F(LauncherTest, UsageErrorsAndHelp) {
    EXPECT_EQ(run({"allow"}).exitCode, 125);
    EXPECT_EQ(run({"--bogus", "allow", "--", "/bin/true"}).exitCode, 125);
    const RunResult help = run({"--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("127"), std::string::npos);
}

TEST_F(LauncherTest, WarnsWhenTheCommandIsNotTheProfilesBinary) {
    write("forbinary", std::string("[Application]\nBinary=/bin/false\n\n") + kAllowAllButPtrace);
    const RunResult result = run({"forbinary", "--", "/bin/true"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.err.find("written for /bin/false"), std::string::npos) << result.err;
}

TEST_F(LauncherTest, ExplainPrintsThePlanWithoutRunning) {
    const RunResult result = run({"--explain", "counted"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("keyctl: notify"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("needs the supervisor: yes"), std::string::npos);
}

// The shipped curl profile refuses execve, so exec-ing curl under it needs the supervisor to
// allow exactly the first exec; without mamorid the launcher says so instead of weakening the
// profile.
TEST_F(LauncherTest, ShippedCurlProfileIsRefusedWithoutTheSupervisor) {
    // A world-readable copy of the shipped profiles, for the same reason as the binaries.
    const auto shipped = dir_.path() / "shipped";
    std::filesystem::copy(std::string(MAMORI_SOURCE_DIR) + "/packaging/profiles", shipped);
    Subprocess::Options o = options({"--stateless", "curl", "--", "curl", "--version"});
    o.env["MAMORI_PROFILE_PATH"] = shipped.string();
    const RunResult result = Subprocess::run(o);
    EXPECT_EQ(result.exitCode, 125);
    EXPECT_NE(result.err.find("refuses execve"), std::string::npos) << result.err;
}

// Learning from the tray goes through pkexec: the learner is root for its recorder, but the
// program it learns runs as the user who asked, and the profile becomes theirs.
TEST_F(LauncherTest, LearningThroughPkexecRunsTheProgramAsTheUserWhoAsked) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: the learner's recorder is a BPF program";
    }
    const uid_t nobody = uidOf("nobody");
    const auto output = dir_.path() / "learned-id.profile";
    Subprocess::Options o;
    o.argv = {launcher().string(), "--learn", output.string(), "--", "/usr/bin/id", "-u"};
    o.env = {{"PKEXEC_UID", std::to_string(nobody)}};
    const auto result = Subprocess::run(o);
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, std::to_string(nobody) + "\n");
    struct stat info {};
    ASSERT_EQ(::stat(output.c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, nobody);

    // Root asking for itself learns as root; a value that is no uid is refused by name.
    o.env = {{"PKEXEC_UID", "0"}};
    EXPECT_EQ(Subprocess::run(o).out, "0\n");
    o.env = {{"PKEXEC_UID", "alice"}};
    const auto refused = Subprocess::run(o);
    EXPECT_EQ(refused.exitCode, 125);
    EXPECT_NE(refused.err.find("PKEXEC_UID='alice' is not a user id"), std::string::npos)
        << refused.err;
}

} // namespace
} // namespace mamori::test
