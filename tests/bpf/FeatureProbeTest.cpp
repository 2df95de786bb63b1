// The feature probe against this machine's real kernel, cross-checked with hand-written bpf(2).
#include "kernel/FeatureProbe.h"

#include "RawBpf.h"
#include "common/Names.h"
#include "common/UniqueFd.h"

#include <bpf/btf.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <set>
#include <sstream>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mamori::kernel {
namespace {

namespace feature = names::feature;
using test::RawProgram;

constexpr uid_t kNobody = 65534;

// The probe is not cheap enough to run once per test, and every test reads the same kernel.
const FeatureReport& rootReport() {
    static const FeatureReport report = FeatureProbe{}.run();
    return report;
}

const FeatureResult& resultFor(const FeatureReport& report, std::string_view name) {
    const auto it = report.features.find(name);
    if (it == report.features.end()) {
        throw std::runtime_error("no result for " + std::string(name));
    }
    return it->second;
}

// Loads `program` with raw bpf(2) and says whether the kernel took it.
bool rawLoads(const RawProgram& program) {
    const auto result = test::loadProgram(program);
    const UniqueFd fd(result.fd);
    return fd.valid();
}

bool rawLoadsAndReturns(bpf_prog_type type, std::int32_t value) {
    const auto result = test::loadProgram({type, {}, 0, test::returnConstant(value)});
    const UniqueFd fd(result.fd);
    if (!fd) {
        return false;
    }
    const auto retval = test::testRun(fd.get());
    return retval && *retval == static_cast<std::uint32_t>(value);
}

std::string explain(const FeatureResult& result) {
    return std::string(result.available ? "available: " : "unavailable: ") + result.detail;
}

#define SKIP_UNLESS_ROOT(why)                                                                      \
    if (::geteuid() != 0) {                                                                        \
        GTEST_SKIP() << "needs root: " << (why);                                                   \
    }

TEST(FeatureProbeTest, ReportsEveryFeatureWithADetail) {
    const auto& report = rootReport();
    EXPECT_EQ(report.features.size(), feature::kAll.size());
    for (const auto name : feature::kAll) {
        const auto it = report.features.find(name);
        ASSERT_NE(it, report.features.end()) << name;
        EXPECT_FALSE(it->second.detail.empty()) << name;
    }
}

TEST(FeatureProbeTest, XdpAgreesWithRawLoadAndTestRun) {
    SKIP_UNLESS_ROOT("loading XDP programs needs CAP_BPF and CAP_NET_ADMIN");
    const bool expected = rawLoadsAndReturns(BPF_PROG_TYPE_XDP, XDP_PASS);
    const auto& result = resultFor(rootReport(), feature::kXdp);
    EXPECT_EQ(result.available, expected) << explain(result);
}

TEST(FeatureProbeTest, ProgTestRunAgreesWithRawSocketFilterRun) {
    SKIP_UNLESS_ROOT("loading socket filters for BPF_PROG_TEST_RUN needs CAP_BPF");
    const bool expected = rawLoadsAndReturns(BPF_PROG_TYPE_SOCKET_FILTER, 4242);
    const auto& result = resultFor(rootReport(), feature::kProgTestRun);
    EXPECT_EQ(result.available, expected) << explain(result);
}

TEST(FeatureProbeTest, CgroupSockAddrAgreesWithRawLoad) {
    SKIP_UNLESS_ROOT("cgroup sock_addr programs need CAP_BPF and CAP_NET_ADMIN");
    const bool expected = rawLoads(
        {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0, test::returnConstant(1)});
    const auto& result = resultFor(rootReport(), feature::kCgroupSockAddr);
    EXPECT_EQ(result.available, expected) << explain(result);
}

TEST(FeatureProbeTest, TpBtfAgreesWithRawLoad) {
    SKIP_UNLESS_ROOT("tracing programs need CAP_BPF and CAP_PERFMON");
    const auto btfId = test::vmlinuxBtfId("btf_trace_sys_enter", BTF_KIND_TYPEDEF);
    ASSERT_NE(btfId, 0U) << "kernel BTF has no btf_trace_sys_enter";
    const bool expected =
        rawLoads({BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, btfId, test::returnConstant(0)});
    const auto& result = resultFor(rootReport(), feature::kTpBtf);
    EXPECT_EQ(result.available, expected) << explain(result);
}

TEST(FeatureProbeTest, BpfLsmAgreesWithRawLoadAndLsmList) {
    SKIP_UNLESS_ROOT("LSM programs need CAP_BPF and CAP_PERFMON");
    const auto btfId = test::vmlinuxBtfId("bpf_lsm_file_open", BTF_KIND_FUNC);
    ASSERT_NE(btfId, 0U) << "kernel BTF has no bpf_lsm_file_open";
    const bool loads = rawLoads({BPF_PROG_TYPE_LSM, BPF_LSM_MAC, btfId, test::returnConstant(0)});
    const auto& result = resultFor(rootReport(), feature::kBpfLsm);
    EXPECT_EQ(result.available, loads && test::lsmListAllowsBpf()) << explain(result);
    // Whatever the answer, the detail must say what the LSM list says (or why it cannot).
    EXPECT_NE(result.detail.find("/sys/kernel/security/lsm"), std::string::npos) << result.detail;
}

TEST(FeatureProbeTest, PatchOnlyProgramTypesNameThePatch) {
    const auto& report = rootReport();
    for (const auto name : {feature::kSeccompEbpf, feature::kLbm}) {
        const auto& result = resultFor(report, name);
        if (!result.available) {
            EXPECT_NE(result.detail.find("kernel-patches/"), std::string::npos) << result.detail;
        }
    }
}

// Only the probe's own naming pattern, so that tests creating cgroups in parallel cannot make
// this flaky; the probe creates nothing else.
std::set<std::string> probeCgroups(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename();
        if (entry.is_directory() && name.starts_with("mamori-probe-")) {
            names.insert(name);
        }
    }
    return names;
}

TEST(FeatureProbeTest, LeavesNoCgroupBehind) {
    SKIP_UNLESS_ROOT("only root may create cgroups under the cgroup2 mount");
    const auto mount = rootReport().cgroupV2Mount;
    if (mount.empty()) {
        GTEST_SKIP() << "needs a cgroup2 mount";
    }
    const auto before = probeCgroups(mount);
    const auto report = FeatureProbe{}.run();
    EXPECT_EQ(probeCgroups(mount), before);
}

bool procMountsHasCgroup2() {
    std::ifstream mounts("/proc/mounts");
    for (std::string line; std::getline(mounts, line);) {
        std::istringstream fields(line);
        std::string source, target, type;
        fields >> source >> target >> type;
        if (type == "cgroup2") {
            return true;
        }
    }
    return false;
}

TEST(FeatureProbeTest, CgroupV2MountIsARealCgroup2Mount) {
    const auto mount = rootReport().cgroupV2Mount;
    if (!procMountsHasCgroup2()) {
        EXPECT_TRUE(mount.empty()) << mount;
        GTEST_SKIP() << "needs a cgroup2 mount (none in /proc/mounts)";
    }
    struct statfs fs {};
    ASSERT_EQ(::statfs(mount.c_str(), &fs), 0) << mount;
    EXPECT_EQ(static_cast<unsigned long>(fs.f_type), CGROUP2_SUPER_MAGIC) << mount;
}

TEST(FeatureProbeTest, FindsCgroup2InMountinfoText) {
    const std::string mountinfo =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/my\\040unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
    EXPECT_EQ(cgroupV2MountFrom(mountinfo), "/sys/fs/cgroup/my unified");
    EXPECT_EQ(cgroupV2MountFrom("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"), "");
    EXPECT_EQ(cgroupV2MountFrom(""), "");
}

// Child side of the unprivileged run: drop to nobody, probe, write "name\tavailable\tdetail\n"
// lines to `out`.
[[noreturn]] void probeAsNobody(int out) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
        ::setresuid(kNobody, kNobody, kNobody) != 0) {
        ::_exit(2);
    }
    std::string text;
    for (const auto& [name, result] : FeatureProbe{}.run().features) {
        text += name + '\t' + (result.available ? "1" : "0") + '\t' + result.detail + '\n';
    }
    const bool written =
        ::write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::_exit(written ? 0 : 3);
}

std::string readAll(int fd) {
    std::string text;
    std::array<char, 4096> buffer{};
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return text;
}

std::map<std::string, FeatureResult> parseLines(const std::string& text) {
    std::map<std::string, FeatureResult> results;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const auto tab1 = line.find('\t');
        const auto tab2 = line.find('\t', tab1 + 1);
        results[line.substr(0, tab1)] = {line.substr(tab1 + 1, 1) == "1", line.substr(tab2 + 1)};
    }
    return results;
}

TEST(FeatureProbeTest, UnprivilegedRunReportsMissingPrivileges) {
    SKIP_UNLESS_ROOT("switching to uid nobody needs CAP_SETUID");
    std::array<int, 2> pipeFds{};
    ASSERT_EQ(::pipe(pipeFds.data()), 0);
    UniqueFd readEnd(pipeFds[0]);
    UniqueFd writeEnd(pipeFds[1]);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        readEnd.reset();
        probeAsNobody(writeEnd.get());
    }
    writeEnd.reset();
    const auto results = parseLines(readAll(readEnd.get()));
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;

    for (const auto name : feature::kAll) {
        EXPECT_TRUE(results.contains(std::string(name))) << name;
    }
    for (const auto name : {feature::kXdp, feature::kCgroupSockAddr, feature::kUprobe,
                            feature::kTpBtf, feature::kBpfLsm, feature::kProgTestRun}) {
        const auto& result = results.at(std::string(name));
        EXPECT_FALSE(result.available) << name << ": " << result.detail;
        EXPECT_NE(result.detail.find("CAP_"), std::string::npos) << name << ": " << result.detail;
    }
}

} // namespace
} // namespace mamori::kernel
