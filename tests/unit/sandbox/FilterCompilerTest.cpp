// The compiler's per-syscall plan: what each kind of rule becomes and which guarantee it has
// on a stock kernel, an old kernel and one without the notifier.
#include "sandbox/FilterCompiler.h"

#include "SandboxTestHelpers.h"

#include <gtest/gtest.h>
#include <vector>

namespace mamori::sandbox {
namespace {

using test::fromText;

const char* const kServer = "[Syscalls]\n"
                            "Allow=getppid;read;keyctl;mremap;ftruncate;socket;clone;openat;"
                            "epoll_wait\n"
                            "Deny=ptrace\nDefaultAction=errno:EPERM\nDenyAction=kill\n"
                            "AllowUnsafePointerChecks=true\n"
                            "[Phases]\nOrder=init;serve\nSwitch.serve=first:epoll_wait\n"
                            "[Phase init]\nAllow=bind\n"
                            "[Limits]\nkeyctl=16\n[Serialize]\nPairs=mremap|ftruncate\n"
                            "[Arguments]\nsocket=family in {AF_UNIX,AF_INET}\n"
                            "clone=flags & CLONE_NEWUSER == 0\nopenat=path prefix /var/www\n";

struct PlanCase {
    const char* syscall;
    Treatment treatment;
    Guarantee guarantee;
    const char* guaranteeText;
};

const std::vector<PlanCase> kStockPlan = {
    {"getppid", Treatment::Allow, Guarantee::ConstantAction,
     "allowed, constant action (kernel cache skips the filter)"},
    {"ptrace", Treatment::Deny, Guarantee::FilterDeny, "denied by filter (kill)"},
    {"keyctl", Treatment::Notify, Guarantee::Supervisor, "needs the supervisor (count limit 16)"},
    {"bind", Treatment::Allow, Guarantee::ConstantAction,
     "allowed, constant action (kernel cache skips the filter); refused from phase serve on (the "
     "filter the process stacks at the switch; a stock kernel allows it from the start)"},
    {"epoll_wait", Treatment::Allow, Guarantee::ConstantAction,
     "allowed, constant action (kernel cache skips the filter)"},
    {"seccomp", Treatment::ArgumentCheck, Guarantee::FilterArgument,
     "argument check in filter (sound)"},
    {"socket", Treatment::ArgumentCheck, Guarantee::FilterArgument,
     "argument check in filter (sound)"},
    {"clone", Treatment::ArgumentCheck, Guarantee::FilterArgument,
     "argument check in filter (sound)"},
    {"openat", Treatment::Notify, Guarantee::SupervisorUnsafe,
     "pointer check through the notifier: TOCTOU-unsafe (without mamorid, a kernel with the "
     "seccomp-eBPF patches checks it in the kernel)"},
    {"mremap", Treatment::Notify, Guarantee::SupervisorUnsafe,
     "serialization through the notifier: best effort (it never learns when a continued call "
     "ends); sound in the seccomp-eBPF filter used without mamorid on a patched kernel"},
};

class StockPlan : public ::testing::TestWithParam<PlanCase> {};

TEST_P(StockPlan, SyscallGetsItsTreatment) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock()).compile(fromText(kServer));
    const SyscallPlan* plan = compiled.plan.find(GetParam().syscall);
    ASSERT_NE(plan, nullptr);
    EXPECT_EQ(plan->treatment, GetParam().treatment);
    EXPECT_EQ(plan->guarantee, GetParam().guarantee);
    EXPECT_EQ(plan->guaranteeText, GetParam().guaranteeText);
}

INSTANTIATE_TEST_SUITE_P(All, StockPlan, ::testing::ValuesIn(kStockPlan),
                         [](const auto& info) { return std::string(info.param.syscall); });

TEST(FilterCompiler, PlanCarriesTheSupervisorsInputs) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock()).compile(fromText(kServer));
    EXPECT_TRUE(compiled.plan.needsSupervisor());
    EXPECT_EQ(compiled.plan.find("keyctl")->limit, 16U);
    EXPECT_EQ(compiled.plan.find("bind")->phases, std::vector<std::string>{"init"});
    EXPECT_EQ(compiled.plan.find("epoll_wait")->entersPhases, std::vector<std::string>{"serve"});
    EXPECT_EQ(compiled.plan.find("ftruncate")->serializedWith, std::vector<std::string>{"mremap"});
    EXPECT_EQ(compiled.plan.find("openat")->pathPrefix, "/var/www");
    EXPECT_EQ(compiled.plan.find("openat")->pathIndex, 1U);
    EXPECT_EQ(compiled.plan.find("getppid")->rule, "Allow=getppid (t.profile:2)");
    EXPECT_EQ(compiled.plan.find("ptrace")->action, "kill");
}

TEST(FilterCompiler, PhaseFilterRefusesWhatOnlyEarlierPhasesNeeded) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock()).compile(fromText(kServer));
    ASSERT_EQ(compiled.phaseFilters.size(), 1U);
    const PhaseFilter& serve = compiled.phaseFilters.front();
    EXPECT_EQ(serve.name, "serve");
    EXPECT_FALSE(serve.explicitTrigger);
    EXPECT_EQ(serve.syscall, compiled.plan.find("epoll_wait")->number);
    EXPECT_EQ(serve.refused, std::vector<std::string>{"bind"});
    EXPECT_FALSE(serve.bpf.empty());
    EXPECT_NE(compiled.plan.find("epoll_wait")->reason.find("its first call enters phase serve"),
              std::string::npos);
}

TEST(FilterCompiler, ProfilesWithoutPhasesNeedNoPhaseFiltersAndKeepSeccompRefused) {
    const auto compiled =
        FilterCompiler(KernelSeccomp::stock()).compile(fromText("[Syscalls]\nAllow=read\n"));
    EXPECT_TRUE(compiled.phaseFilters.empty());
    EXPECT_EQ(compiled.plan.find("seccomp"), nullptr);
}

TEST(FilterCompiler, SupervisedRoutesRefusalsAndExecveToTheSupervisor) {
    const auto compiled =
        FilterCompiler(KernelSeccomp::stock()).compile(fromText(kServer), CompileMode::Supervised);
    EXPECT_TRUE(compiled.plan.supervised);
    const SyscallPlan* ptrace = compiled.plan.find("ptrace");
    EXPECT_EQ(ptrace->treatment, Treatment::Deny);
    EXPECT_EQ(ptrace->guarantee, Guarantee::SupervisorDeny);
    EXPECT_EQ(ptrace->action, "kill");
    EXPECT_EQ(compiled.plan.find("getppid")->treatment, Treatment::Allow);
    // Only a profile that allows execve names it; then it still passes the supervisor.
    const auto withExec =
        FilterCompiler(KernelSeccomp::stock())
            .compile(fromText("[Syscalls]\nAllow=read;execve\n"), CompileMode::Supervised);
    EXPECT_EQ(withExec.plan.find("execve")->treatment, Treatment::Notify);
    EXPECT_EQ(FilterCompiler(KernelSeccomp::stock())
                  .compile(fromText("[Syscalls]\nAllow=read;execve\n"))
                  .plan.find("execve")
                  ->treatment,
              Treatment::Allow);
}

TEST(FilterCompiler, SupervisedSandboxMayNotTakeAListenerOfItsOwn) {
    const auto compiled =
        FilterCompiler(KernelSeccomp::stock())
            .compile(fromText("[Syscalls]\nAllow=read;seccomp\n"), CompileMode::Supervised);
    EXPECT_EQ(compiled.plan.find("seccomp")->treatment, Treatment::ArgumentCheck);
    EXPECT_EQ(compiled.plan.find("seccomp")->action,
              "allow if flags & SECCOMP_FILTER_FLAG_NEW_LISTENER == 0");
}

TEST(FilterCompiler, OldKernelAndNoNotifier) {
    KernelSeccomp old{"5.4", false, false, false};
    const auto compiled = FilterCompiler(old).compile(fromText(kServer));
    EXPECT_EQ(compiled.plan.find("getppid")->guarantee, Guarantee::FilterAllow);
    EXPECT_EQ(compiled.plan.find("keyctl")->guarantee, Guarantee::Unavailable);
}

// On a kernel with the seccomp-eBPF patches an unsupervised sandbox needs no supervisor: the
// stateful rules become one eBPF filter (run for real in kernel-patches/guest/userspace_test.c).
TEST(FilterCompiler, SeccompEbpfKernelPutsTheStatefulRulesInOneEbpfFilter) {
    KernelSeccomp patched{"6.1-ebpf", true, true, true};
    const auto compiled = FilterCompiler(patched).compile(fromText(kServer));
    EXPECT_FALSE(compiled.plan.needsSupervisor());
    for (const char* name : {"keyctl", "openat", "mremap", "ftruncate"}) {
        const SyscallPlan* row = compiled.plan.find(name);
        EXPECT_EQ(row->treatment, Treatment::Stateful) << name;
        EXPECT_EQ(row->guarantee, Guarantee::EbpfFilter) << name;
    }
    EXPECT_EQ(compiled.plan.find("keyctl")->guaranteeText,
              "in the kernel's seccomp-eBPF filter (sound)");
    EXPECT_NE(compiled.plan.find("openat")->guaranteeText.find("TOCTOU"), std::string::npos);
    EXPECT_EQ(compiled.plan.find("socket")->treatment, Treatment::ArgumentCheck);
    ASSERT_TRUE(compiled.stateful.has_value());
    EXPECT_EQ(compiled.stateful->syscalls,
              (std::vector<std::string>{"ftruncate", "keyctl", "mremap", "openat"}));
    EXPECT_EQ(compiled.stateful->counters, 1U); // keyctl's limit
    EXPECT_EQ(compiled.stateful->counterMapLoads.size(), 1U);
    EXPECT_FALSE(compiled.stateful->instructions.empty());
}

// mamorid compiles a supervised sandbox's profile for its side too, whatever its privileges:
// both sides keep the notifier.
TEST(FilterCompiler, SupervisedSandboxesKeepTheNotifierOnAPatchedKernel) {
    KernelSeccomp patched{"6.1-ebpf", true, true, true};
    const auto compiled =
        FilterCompiler(patched).compile(fromText(kServer), CompileMode::Supervised);
    EXPECT_EQ(compiled.plan.find("keyctl")->treatment, Treatment::Notify);
    EXPECT_FALSE(compiled.stateful.has_value());
}

TEST(FilterCompiler, StockKernelHasNoEbpfFilter) {
    EXPECT_FALSE(
        FilterCompiler(KernelSeccomp::stock()).compile(fromText(kServer)).stateful.has_value());
}

TEST(FilterCompiler, StatelessSubsetTurnsNotifyIntoTheDefault) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock())
                              .compile(fromText(kServer), CompileMode::StatelessSubset);
    EXPECT_FALSE(compiled.plan.needsSupervisor());
    const SyscallPlan* keyctl = compiled.plan.find("keyctl");
    EXPECT_EQ(keyctl->treatment, Treatment::Deny);
    EXPECT_EQ(keyctl->action, "errno:EPERM");
    EXPECT_EQ(keyctl->guaranteeText, "needs the supervisor; stateless subset: errno:EPERM");
}

TEST(FilterCompiler, ExportsClassicBpf) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock()).compile(fromText(kServer));
    const auto bpf = compiled.filter.exportBpf();
    ASSERT_FALSE(bpf.empty());
    EXPECT_EQ(bpf.size() % 8, 0U); // struct sock_filter is 8 bytes
}

TEST(FilterCompiler, DenyWithTheDefaultActionNeedsNoRule) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock())
                              .compile(fromText("[Syscalls]\nAllow=read\nDeny=ptrace\n"));
    EXPECT_EQ(compiled.plan.find("ptrace")->action, "kill");
    EXPECT_EQ(compiled.plan.syscalls.size(), 2U);
}

TEST(FilterCompiler, LogActionIsNotCalledADenial) {
    const auto compiled = FilterCompiler(KernelSeccomp::stock())
                              .compile(fromText("[Syscalls]\nAllow=read\nDeny=ptrace\n"
                                                "DefaultAction=log\n"));
    EXPECT_EQ(compiled.plan.find("ptrace")->guaranteeText, "not refused: the kernel logs it (log)");
}

TEST(FilterCompiler, UnnamedSyscallTakesTheDefault) {
    const SyscallPlan plan =
        FilterCompiler::unnamed(fromText("[Syscalls]\nDefaultAction=errno:EPERM\n"), "mount");
    EXPECT_EQ(plan.action, "errno:EPERM");
    EXPECT_EQ(plan.number, 165);
}

} // namespace
} // namespace mamori::sandbox
