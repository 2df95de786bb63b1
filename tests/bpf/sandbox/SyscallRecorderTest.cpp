// bpf/syscall_recorder.bpf.c through SyscallRecorder, on the running kernel: it records the
// tracked tree (children, threads, exec, grandchildren) and nothing else, per phase; and the
// profile Learner writes from a run allows everything that run did. Needs root and tp_btf;
// skips otherwise, saying which.
#include "sandbox/learning/SyscallRecorder.h"

#include "TempDir.h"
#include "common/Names.h"
#include "kernel/FeatureProbe.h"
#include "launcher/Launcher.h"
#include "launcher/Learner.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/learning/LearnedProfile.h"

#include <algorithm>
#include <array>
#include <fcntl.h>
#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <stdexcept>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mamori::sandbox::learning {
namespace {

const std::string kActor = MAMORI_SYSCALL_ACTOR;

// Why the recorder cannot run here, or "" when it can. The feature probe runs once per process.
std::string whyNot() {
    if (::geteuid() != 0) {
        return "needs root (CAP_BPF + CAP_PERFMON) to load the syscall recorder";
    }
    static const std::string tpBtf = [] {
        const auto report = kernel::FeatureProbe{}.run();
        const auto& result = report.features.find(names::feature::kTpBtf)->second;
        return result.available ? std::string() : "tp_btf unavailable: " + result.detail;
    }();
    return tpBtf;
}

// Runs syscall_actor with `actions` as a tracked process; `whileTracked` runs in this process
// after the child is tracked and before it starts. The child calls getpgid once tracked, before
// it execs. Returns the child's wait status.
int runTracked(
    SyscallRecorder& recorder, const std::vector<std::string>& actions,
    const std::function<void()>& whileTracked = [] {},
    SyscallRecorder::StartAt start = SyscallRecorder::StartAt::Now) {
    std::vector<std::string> args{kActor};
    args.insert(args.end(), actions.begin(), actions.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::array<int, 2> go{};
    if (::pipe2(go.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2");
    }
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(go[1]);
        char byte = 0;
        if (::read(go[0], &byte, 1) != 1) {
            ::_exit(100);
        }
        ::syscall(SYS_getpgid, 0);
        ::execv(argv[0], argv.data());
        ::_exit(101);
    }
    ::close(go[0]);
    recorder.track(child, start);
    whileTracked();
    EXPECT_EQ(::write(go[1], "g", 1), 1);
    ::close(go[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

bool has(const std::set<std::string>& names, const std::string& name) {
    return names.contains(name);
}

class SyscallRecorderTest : public testing::Test {
protected:
    void SetUp() override {
        if (const std::string why = whyNot(); !why.empty()) {
            GTEST_SKIP() << why;
        }
        recorder_.emplace();
    }
    SyscallRecorder& recorder() { return *recorder_; }

private:
    std::optional<SyscallRecorder> recorder_;
};

TEST_F(SyscallRecorderTest, RecordsTheTrackedProcessAndNothingElse) {
    const int status = runTracked(recorder(), {"getppid", "keyctl"}, [] {
        ::syscall(SYS_getsid, 0); // this process is not tracked
    });
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    ASSERT_EQ(recorder().phaseCount(), 1U);
    const auto recorded = recorder().recorded();
    ASSERT_EQ(recorded.size(), 1U);
    for (const char* name : {"getppid", "keyctl", "execve", "exit_group"}) {
        EXPECT_TRUE(has(recorded[0], name)) << name;
    }
    EXPECT_FALSE(has(recorded[0], "getsid"));
    EXPECT_TRUE(has(recorded[0], "getpgid")) << "tracked from now: before the exec too";
    EXPECT_EQ(recorder().counts()[0].at(SYS_keyctl), 1U);
    EXPECT_EQ(recorder().stats().trackedProcesses, 0U) << "the exited child left the map";
}

TEST_F(SyscallRecorderTest, StartsAtTheNextExecWhenAsked) {
    const int status = runTracked(
        recorder(), {"getppid"}, [] {}, SyscallRecorder::StartAt::NextExec);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    const auto recorded = recorder().recorded();
    EXPECT_FALSE(has(recorded[0], "getpgid")) << "called before the exec";
    EXPECT_TRUE(has(recorded[0], "execve"));
    EXPECT_TRUE(has(recorded[0], "getppid"));
}

// A grandchild, a thread of it, and an exec from that thread (which kills the old leader
// while the process lives on) are all recorded.
TEST_F(SyscallRecorderTest, FollowsForksThreadsAndExec) {
    const int status =
        runTracked(recorder(), {"fork", "getsid", "thread", "keyctl", "exec", "epoll_wait"});
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    const auto counts = recorder().counts()[0];
    for (const long nr : {SYS_getsid, SYS_keyctl, SYS_epoll_wait}) {
        ASSERT_TRUE(counts.contains(static_cast<int>(nr))) << nr;
        EXPECT_EQ(counts.at(static_cast<int>(nr)), 1U) << nr;
    }
    const auto stats = recorder().stats();
    EXPECT_EQ(stats.trackedProcesses, 0U);
    EXPECT_EQ(stats.untrackedChildren, 0U);
}

// The switch moves the process before its call is counted; a child forked afterwards starts
// in the new phase.
TEST_F(SyscallRecorderTest, SwitchesPhaseAtTheFirstCall) {
    recorder().setPhaseSwitches({SYS_epoll_wait});
    const int status =
        runTracked(recorder(), {"getppid", "epoll_wait", "keyctl", "epoll_wait", "fork", "getsid"});
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    const auto recorded = recorder().recorded();
    ASSERT_EQ(recorded.size(), 2U);
    EXPECT_TRUE(has(recorded[0], "getppid"));
    EXPECT_TRUE(has(recorded[0], "execve"));
    for (const char* name : {"epoll_wait", "keyctl", "getsid", "exit_group"}) {
        EXPECT_FALSE(has(recorded[0], name)) << name;
        EXPECT_TRUE(has(recorded[1], name)) << name;
    }
    EXPECT_FALSE(has(recorded[1], "getppid"));
    EXPECT_EQ(recorder().counts()[1].at(SYS_epoll_wait), 2U);
}

TEST_F(SyscallRecorderTest, RefusesBadSwitchesAndLateOnes) {
    EXPECT_THROW(recorder().setPhaseSwitches({1, 2, 3, 4}), std::invalid_argument);
    EXPECT_THROW(recorder().setPhaseSwitches({SyscallRecorder::kMaxSyscalls}),
                 std::invalid_argument);
    EXPECT_THROW(recorder().setPhaseSwitches({-1}), std::invalid_argument);
    recorder().track(::getpid());
    EXPECT_THROW(recorder().setPhaseSwitches({SYS_epoll_wait}), std::logic_error);
}

// Every syscall the run made is allowed in the phase it was made in, by the profile as
// written, loaded back and compiled.
TEST_F(SyscallRecorderTest, LearnedProfileAllowsEverySyscallRecorded) {
    recorder().setPhaseSwitches({SYS_epoll_wait});
    runTracked(recorder(), {"getppid", "fork", "epoll_wait", "keyctl", "thread", "getsid"});
    const auto recorded = recorder().recorded();
    const std::vector<LearnedPhase> phases{{"init", "", recorded[0]},
                                           {"serve", "epoll_wait", recorded[1]}};
    LearnedProfileOptions options;
    options.binary = kActor;
    options.command = {kActor, "getppid"};
    const Profile profile =
        ProfileLoader({}).loadText(learnedProfileText(phases, options), "actor.profile");
    const Plan plan = FilterCompiler(KernelSeccomp::stock()).compile(profile).plan;
    for (const auto& phase : phases) {
        for (const auto& name : phase.syscalls) {
            SCOPED_TRACE(name + " in phase " + phase.name);
            const SyscallPlan* row = plan.find(name);
            ASSERT_NE(row, nullptr);
            EXPECT_NE(row->treatment, Treatment::Deny);
            EXPECT_NE(std::find(row->phases.begin(), row->phases.end(), phase.name),
                      row->phases.end());
        }
    }
    EXPECT_GT(attackSurfaceReduction(profile), 0.0);
}

std::vector<std::string> actor(std::initializer_list<const char*> actions) {
    std::vector<std::string> command{kActor};
    command.insert(command.end(), actions.begin(), actions.end());
    return command;
}

TEST_F(SyscallRecorderTest, LearnerWritesAProfileThatAllowsTheRun) {
    const TempDir dir;
    launcher::LearnOptions options;
    options.output = (dir.path() / "actor.profile").string();
    options.phases = {"init", "serve"};
    options.switches = {"epoll_wait"};
    options.command = actor({"getppid", "epoll_wait", "keyctl"});
    ASSERT_EQ(launcher::learn(options), 0);

    const Profile profile = ProfileLoader({}).load(options.output);
    EXPECT_EQ(profile.id, "learned.syscall_actor");
    EXPECT_EQ(profile.binary, kActor);
    EXPECT_EQ(profile.defaultAction.text, "errno:EPERM");
    ASSERT_EQ(profile.phases.size(), 2U);
    const Plan plan = FilterCompiler(KernelSeccomp::stock()).compile(profile).plan;
    const std::vector<std::string> both{"init", "serve"};
    const std::vector<std::string> init{"init"};
    for (const auto& [name, phases] :
         {std::pair{"getppid", init}, std::pair{"execve", init}, std::pair{"epoll_wait", both},
          std::pair{"keyctl", both}, std::pair{"exit_group", both}}) {
        SCOPED_TRACE(name);
        const SyscallPlan* row = plan.find(name);
        ASSERT_NE(row, nullptr);
        EXPECT_NE(row->treatment, Treatment::Deny);
        EXPECT_EQ(row->phases, phases);
    }
    EXPECT_EQ(plan.find("getsid"), nullptr) << "the actor never called it";
}

// The actor SIGTERMs the learner, which passes it on: the run ends with 128 + SIGTERM (without
// the pass-on the actor would wait in pause() for ever) and the profile is still written.
TEST_F(SyscallRecorderTest, LearnerPassesSigtermOnAndStillWrites) {
    const TempDir dir;
    launcher::LearnOptions options;
    options.output = (dir.path() / "actor.profile").string();
    options.appId = "org.example.Actor";
    options.defaultAction = "kill";
    options.command = actor({"term-parent", "pause"});
    ASSERT_EQ(launcher::learn(options), 128 + SIGTERM);
    const Profile profile = ProfileLoader({}).load(options.output);
    EXPECT_EQ(profile.id, "org.example.Actor");
    EXPECT_EQ(profile.defaultAction.text, "kill");
    // The passed-on SIGTERM may end the actor before or in pause(): only kill is certain.
    EXPECT_TRUE(profile.allow.contains("kill"));
    EXPECT_TRUE(profile.phases.empty());
}

// Checked before anything runs: no root needed.
TEST(SyscallRecorderLearner, RefusesBadOptionsBeforeRunning) {
    const TempDir dir;
    const auto statusOf = [&](launcher::LearnOptions options) {
        if (options.output.empty()) {
            options.output = (dir.path() / "x.profile").string();
        }
        try {
            launcher::learn(options);
        } catch (const launcher::LaunchError& e) {
            return e.status();
        }
        return 0;
    };
    const auto command = actor({"getppid"});
    EXPECT_EQ(statusOf({"", {}, {}, "", "", {}}), launcher::kExitLauncherError) << "no command";
    EXPECT_EQ(statusOf({"", {"init"}, {}, "", "", command}), launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"", {"init", "serve"}, {}, "", "", command}), launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"", {"init", "serve"}, {"no_such_call"}, "", "", command}),
              launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"", {"init", "Serve"}, {"epoll_wait"}, "", "", command}),
              launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"", {}, {}, "errno:EWHAT", "", command}), launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"", {}, {}, "", "not an id", command}), launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"/nonexistent/dir/x.profile", {}, {}, "", "", command}),
              launcher::kExitLauncherError);
    EXPECT_EQ(statusOf({"", {}, {}, "", "", {"/nonexistent/program"}}), launcher::kExitNotFound);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.profile"));
}

} // namespace
} // namespace mamori::sandbox::learning
