// bpf/bt_socket_guard.bpf.c: the optional BPF LSM program that refuses AF_BLUETOOTH sockets to
// blocked apps' cgroups. Its object is always opened and checked here; loading it needs BPF
// LSM, which many kernels (this VM's included) cannot run: that test skips with the feature
// probe's reason. The decision logic is unit-tested in tests/unit/bluetooth/BtSocketPolicyTest.
#include "common/Names.h"
#include "common/UniqueFd.h"
#include "kernel/BpfLink.h"
#include "kernel/BpfSkeleton.h"
#include "kernel/FeatureProbe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// The shared header needs __u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "bt_socket_guard.h"
#include "bt_socket_guard.skel.h"
// clang-format on

template <> struct mamori::kernel::SkeletonTraits<bt_socket_guard> {
    static constexpr std::string_view name = "bt_socket_guard";
    static bt_socket_guard* open() { return bt_socket_guard__open(); }
    static int load(bt_socket_guard* skel) { return bt_socket_guard__load(skel); }
    static void destroy(bt_socket_guard* skel) { bt_socket_guard__destroy(skel); }
};

namespace mamori::devices {
namespace {

using Skeleton = kernel::BpfSkeleton<bt_socket_guard>;

// A child cgroup for the test's own process, removed afterwards.
class ScratchCgroup {
public:
    explicit ScratchCgroup(const std::filesystem::path& parent)
        : path_(parent / ("mamori-bt-test-" + std::to_string(::getpid()))) {
        std::filesystem::create_directory(path_);
    }
    ~ScratchCgroup() { ::rmdir(path_.c_str()); }
    ScratchCgroup(const ScratchCgroup&) = delete;
    ScratchCgroup& operator=(const ScratchCgroup&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // The cgroup v2 id bpf_get_current_cgroup_id() returns is the directory's inode number.
    __u64 id() const {
        struct stat st {};
        if (::stat(path_.c_str(), &st) != 0) {
            throw std::runtime_error("stat " + path_.string());
        }
        return st.st_ino;
    }

private:
    std::filesystem::path path_;
};

// What socket(AF_BLUETOOTH, ...) returns in a child moved into `cgroup`: 0 or the errno.
int bluetoothSocketErrnoIn(const std::filesystem::path& cgroup) {
    const pid_t child = ::fork();
    if (child == 0) {
        const UniqueFd procs(::open((cgroup / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
        if (!procs || ::write(procs.get(), "0", 1) != 1) {
            ::_exit(200);
        }
        const int fd = ::socket(BT_SOCKET_GUARD_AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, 1);
        ::_exit(fd >= 0 ? 0 : (errno & 0x7f));
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

TEST(BtSocketGuard, ObjectHasTheMapAndProgramTheLoaderExpects) {
    // Opening parses the embedded object only: no privileges, no kernel support needed.
    auto skel = Skeleton::open();
    ASSERT_TRUE(skel);
    EXPECT_EQ(bpf_map__max_entries(skel->maps.blocked_cgroups), BT_SOCKET_GUARD_MAX_CGROUPS);
    EXPECT_EQ(bpf_map__key_size(skel->maps.blocked_cgroups), sizeof(__u64));
    EXPECT_EQ(bpf_map__value_size(skel->maps.blocked_cgroups), sizeof(bt_socket_guard_rule));
    EXPECT_EQ(bpf_program__type(skel->progs.bt_socket_create), BPF_PROG_TYPE_LSM);
    EXPECT_STREQ(bpf_program__section_name(skel->progs.bt_socket_create), "lsm/socket_create");
}

TEST(BtSocketGuard, RefusesBluetoothSocketsInABlockedCgroupOnly) {
    const auto report = kernel::FeatureProbe{}.run();
    const auto& lsm = report.features.at(std::string(names::feature::kBpfLsm));
    if (!lsm.available) {
        GTEST_SKIP() << "BPF LSM is not available on this kernel: " << lsm.detail;
    }
    ASSERT_FALSE(report.cgroupV2Mount.empty());
    auto skel = Skeleton::open();
    skel.load();
    const auto link = kernel::BpfLink::adopt(bpf_program__attach_lsm(skel->progs.bt_socket_create),
                                             "attach lsm/socket_create");
    ScratchCgroup blocked(report.cgroupV2Mount);
    ScratchCgroup free(report.cgroupV2Mount);
    const __u64 key = blocked.id();
    const bt_socket_guard_rule rule{BT_SOCKET_GUARD_ALL_PROTOCOLS, 0};
    ASSERT_EQ(bpf_map__update_elem(skel->maps.blocked_cgroups, &key, sizeof key, &rule, sizeof rule,
                                   BPF_ANY),
              0);

    EXPECT_EQ(bluetoothSocketErrnoIn(blocked.path()), EPERM);
    // Elsewhere the kernel answers as it always does (EAFNOSUPPORT without Bluetooth support,
    // a socket with it): anything but our refusal.
    EXPECT_NE(bluetoothSocketErrnoIn(free.path()), EPERM);
    EXPECT_EQ(skel->bss->refused, 1U);
}

} // namespace
} // namespace mamori::devices
