// writeProfile: the one flat keyfile it writes loads back into a profile that compiles to the
// same plan, syscall by syscall — for every shipped profile and for one using every section.
#include "sandbox/ProfileWriter.h"

#include "SandboxTestHelpers.h"
#include "sandbox/FilterCompiler.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <stdexcept>

namespace mamori::sandbox {
namespace {

const std::filesystem::path kShipped =
    std::filesystem::path(MAMORI_SOURCE_DIR) / "packaging/profiles";

// Everything a plan row says except `rule`, which names the file:line the rule came from and
// so differs by design.
void expectSameRow(const SyscallPlan& want, const SyscallPlan& got) {
    SCOPED_TRACE(want.name);
    EXPECT_EQ(got.number, want.number);
    EXPECT_EQ(got.treatment, want.treatment);
    EXPECT_EQ(got.action, want.action);
    EXPECT_EQ(got.reason, want.reason);
    EXPECT_EQ(got.guarantee, want.guarantee);
    EXPECT_EQ(got.guaranteeText, want.guaranteeText);
    EXPECT_EQ(got.phases, want.phases);
    EXPECT_EQ(got.entersPhases, want.entersPhases);
    EXPECT_EQ(got.limit, want.limit);
    EXPECT_EQ(got.serializedWith, want.serializedWith);
    EXPECT_EQ(got.pathPrefix, want.pathPrefix);
    EXPECT_EQ(got.pathIndex, want.pathIndex);
}

void expectSamePhaseFilters(const std::vector<PhaseFilter>& want,
                            const std::vector<PhaseFilter>& got) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        SCOPED_TRACE("phase " + want[i].name);
        EXPECT_EQ(got[i].name, want[i].name);
        EXPECT_EQ(got[i].explicitTrigger, want[i].explicitTrigger);
        EXPECT_EQ(got[i].syscall, want[i].syscall);
        EXPECT_EQ(got[i].refused, want[i].refused);
        EXPECT_EQ(got[i].bpf, want[i].bpf);
    }
}

void expectSamePlan(const Profile& original, CompileMode mode) {
    const std::string text = writeProfile(original);
    SCOPED_TRACE(text);
    Profile reloaded;
    ASSERT_NO_THROW(reloaded = ProfileLoader({}).loadText(text, "x.profile"));
    EXPECT_EQ(reloaded.id, original.id);
    EXPECT_EQ(reloaded.binary, original.binary);
    const FilterCompiler compiler(KernelSeccomp::stock());
    const CompiledProfile want = compiler.compile(original, mode);
    const CompiledProfile got = compiler.compile(reloaded, mode);
    EXPECT_EQ(got.plan.defaultAction, want.plan.defaultAction);
    ASSERT_EQ(got.plan.syscalls.size(), want.plan.syscalls.size());
    for (std::size_t i = 0; i < want.plan.syscalls.size(); ++i) {
        ASSERT_EQ(got.plan.syscalls[i].name, want.plan.syscalls[i].name);
        expectSameRow(want.plan.syscalls[i], got.plan.syscalls[i]);
    }
    // The filters themselves must agree too, instruction for instruction, and so must the
    // ones stacked at each phase switch.
    EXPECT_EQ(got.filter.exportBpf(), want.filter.exportBpf());
    expectSamePhaseFilters(want.phaseFilters, got.phaseFilters);
}

void expectSamePlanInEveryMode(const Profile& original) {
    for (const CompileMode mode :
         {CompileMode::Full, CompileMode::Supervised, CompileMode::StatelessSubset}) {
        SCOPED_TRACE(static_cast<int>(mode));
        expectSamePlan(original, mode);
    }
}

TEST(ProfileWriter, EveryShippedProfileRoundTrips) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kShipped)) {
        if (entry.path().extension() != ".profile") {
            continue;
        }
        SCOPED_TRACE(entry.path().string());
        ++count;
        const Profile original = ProfileLoader({kShipped}).load(entry.path().stem().string());
        expectSamePlanInEveryMode(original);
    }
    EXPECT_GE(count, 5);
}

// Every section, merged from two layers and an include, with groups on both lists.
Profile everySection(const test::Layers& layers) {
    layers.write("system", "base",
                 "[Syscalls]\nAllow=@default;@basic-io;@io-event;keyctl;mremap;ftruncate\n"
                 "Deny=@mount;ptrace\n");
    layers.write("system", "app",
                 "[Application]\nId=org.example.App\nBinary=/usr/bin/app\nInclude=base\n"
                 "[Syscalls]\nAllow=openat;socket;clone;ioctl\nDeny=execveat\n"
                 "DefaultAction=errno:ENOSYS\nDenyAction=kill\nAllowUnsafePointerChecks=true\n"
                 "[Phases]\nOrder=init;serve;drain\nSwitch.serve=first:epoll_wait\n"
                 "Switch.drain=explicit\n"
                 "[Phase init]\nAllow=@setuid;bind;listen;open\n"
                 "[Phase serve]\nAllow=epoll_wait;accept4\n"
                 "[Limits]\nkeyctl=16\naccept4=100\n"
                 "[Serialize]\nPairs=mremap|ftruncate\n"
                 "[Arguments]\nsocket=family in {AF_UNIX,AF_INET} && type & SOCK_STREAM == "
                 "SOCK_STREAM\nclone=flags & CLONE_NEWUSER == 0\nopen=path prefix /etc/app\n"
                 "ioctl=arg1 != 0x5412\n");
    layers.write("admin", "app", "[Syscalls]\nAllow=!ioctl\n[Arguments]\nioctl=\n");
    return layers.loader().load("app");
}

TEST(ProfileWriter, EverySectionRoundTrips) {
    const test::Layers layers;
    const Profile original = everySection(layers);
    ASSERT_EQ(original.phases.size(), 3U);
    ASSERT_EQ(original.arguments.size(), 3U);
    ASSERT_EQ(FilterCompiler(KernelSeccomp::stock()).compile(original).phaseFilters.size(), 2U);
    expectSamePlanInEveryMode(original);
}

TEST(ProfileWriter, WritesOneFlatFileWithSortedNames) {
    const test::Layers layers;
    const std::string text = writeProfile(everySection(layers));
    EXPECT_EQ(text.find("Include"), std::string::npos);
    EXPECT_EQ(text.find('@'), std::string::npos) << "groups are expanded";
    EXPECT_NE(text.find("Switch.serve=first:epoll_wait\n"), std::string::npos);
    EXPECT_NE(text.find("Switch.drain=explicit\n"), std::string::npos);
    EXPECT_NE(text.find("[Phase serve]\nAllow=accept4;epoll_wait\n"), std::string::npos);
    EXPECT_NE(text.find("Pairs=mremap|ftruncate\n"), std::string::npos);
    EXPECT_NE(text.find("open=path prefix /etc/app\n"), std::string::npos);
    EXPECT_NE(text.find("DenyAction=kill\n"), std::string::npos);
    EXPECT_NE(text.find("AllowUnsafePointerChecks=true\n"), std::string::npos);
    // The phase without syscalls of its own still exists through Order.
    EXPECT_NE(text.find("Order=init;serve;drain\n"), std::string::npos);
    EXPECT_EQ(text.find("[Phase drain]"), std::string::npos);
}

TEST(ProfileWriter, CommentLinesComeFirst) {
    const Profile p = test::fromText("[Syscalls]\nAllow=read\n");
    const std::string text = writeProfile(p, "learned from: app --serve\n\nthen try kill");
    EXPECT_EQ(text.rfind("# learned from: app --serve\n#\n# then try kill\n\n[Syscalls]\n", 0), 0U)
        << text;
}

TEST(ProfileWriter, RefusesValuesThatWouldBreakTheLine) {
    Profile p = test::fromText("[Syscalls]\nAllow=read\n");
    p.binary = "/usr/bin/app\n[Syscalls]";
    EXPECT_THROW(writeProfile(p), std::invalid_argument);
}

TEST(ProfileWriter, MinimalProfileSaysItsDefaultAction) {
    const Profile p = test::fromText("[Syscalls]\nAllow=read\n");
    EXPECT_EQ(writeProfile(p), "[Syscalls]\nDefaultAction=kill\nAllow=read\n");
}

} // namespace
} // namespace mamori::sandbox
