// The RAII wrappers of service/kernel: ownership, moves, and that the kernel object is really
// released when the wrapper goes away.
#include "RawBpf.h"
#include "common/UniqueFd.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"
#include "kernel/BpfSkeleton.h"
#include "kernel/RingBufferReader.h"

#include <array>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>

// The shared header needs __u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "feature_probe.h"
#include "feature_probe.skel.h"
// clang-format on

namespace mamori::kernel {

// A stand-in skeleton that counts what BpfSkeleton does to it.
struct FakeSkeleton {
    static inline int opened = 0;
    static inline int destroyed = 0;
    static inline int loadResult = 0;
    static inline bool failOpen = false;
    int value = 7;
};

template <> struct SkeletonTraits<FakeSkeleton> {
    static constexpr std::string_view name = "fake";
    static FakeSkeleton* open() {
        if (FakeSkeleton::failOpen) {
            errno = ENOENT;
            return nullptr;
        }
        ++FakeSkeleton::opened;
        return storage().data() + (FakeSkeleton::opened % storage().size());
    }
    static int load(FakeSkeleton* /*skel*/) { return FakeSkeleton::loadResult; }
    static void destroy(FakeSkeleton* /*skel*/) { ++FakeSkeleton::destroyed; }
    static std::array<FakeSkeleton, 4>& storage() {
        static std::array<FakeSkeleton, 4> skeletons{};
        return skeletons;
    }
};

namespace {

bool isOpen(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

class FakeSkeletonTest : public ::testing::Test {
protected:
    void SetUp() override {
        FakeSkeleton::opened = 0;
        FakeSkeleton::destroyed = 0;
        FakeSkeleton::loadResult = 0;
        FakeSkeleton::failOpen = false;
    }
};

TEST(UniqueFdTest, ClosesOnDestruction) {
    std::array<int, 2> fds{};
    ASSERT_EQ(::pipe(fds.data()), 0);
    {
        const UniqueFd read(fds[0]);
        const UniqueFd write(fds[1]);
        EXPECT_TRUE(isOpen(fds[0]));
    }
    EXPECT_FALSE(isOpen(fds[0]));
    EXPECT_FALSE(isOpen(fds[1]));
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
    UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int raw = a.get();
    ASSERT_TRUE(a.valid());
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid()); // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    EXPECT_EQ(b.get(), raw);
    EXPECT_TRUE(isOpen(raw));
}

TEST(UniqueFdTest, MoveAssignmentClosesThePreviousFd) {
    UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    UniqueFd b(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int oldB = b.get();
    const int rawA = a.get();
    b = std::move(a);
    EXPECT_EQ(b.get(), rawA);
    EXPECT_FALSE(isOpen(oldB));
}

TEST(UniqueFdTest, ReleaseGivesUpOwnership) {
    int raw = -1;
    {
        UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        raw = fd.release();
        EXPECT_FALSE(fd.valid());
    }
    EXPECT_TRUE(isOpen(raw));
    ::close(raw);
}

TEST(BpfErrorTest, NamesTheStepAndKeepsErrnoPositive) {
    const BpfError error("load widget", -EPERM);
    EXPECT_EQ(error.error(), EPERM);
    EXPECT_STREQ(error.what(),
                 (std::string("load widget failed: ") + std::strerror(EPERM)).c_str());
}

TEST(BpfErrorTest, HelpersThrowOnlyOnFailure) {
    EXPECT_EQ(throwIfNegative(3, "x"), 3);
    EXPECT_THROW(throwIfNegative(-ENOENT, "x"), BpfError);
    int value = 0;
    EXPECT_EQ(throwIfNull(&value, "x"), &value);
    errno = EACCES;
    try {
        throwIfNull(static_cast<int*>(nullptr), "x");
        FAIL() << "no exception";
    } catch (const BpfError& e) {
        EXPECT_EQ(e.error(), EACCES);
    }
}

TEST_F(FakeSkeletonTest, DestroysExactlyOnceAcrossMoves) {
    {
        auto a = BpfSkeleton<FakeSkeleton>::open();
        auto b = std::move(a);
        BpfSkeleton<FakeSkeleton> c;
        c = std::move(b);
        EXPECT_EQ(c->value, 7);
        EXPECT_EQ(FakeSkeleton::destroyed, 0);
    }
    EXPECT_EQ(FakeSkeleton::opened, 1);
    EXPECT_EQ(FakeSkeleton::destroyed, 1);
}

TEST_F(FakeSkeletonTest, MoveAssignmentDestroysThePreviousSkeleton) {
    auto a = BpfSkeleton<FakeSkeleton>::open();
    auto b = BpfSkeleton<FakeSkeleton>::open();
    b = std::move(a);
    EXPECT_EQ(FakeSkeleton::destroyed, 1);
}

TEST_F(FakeSkeletonTest, OpenAndLoadFailuresThrowWithErrno) {
    FakeSkeleton::failOpen = true;
    try {
        BpfSkeleton<FakeSkeleton>::open();
        FAIL() << "no exception";
    } catch (const BpfError& e) {
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("open BPF skeleton fake"), std::string::npos);
    }
    FakeSkeleton::failOpen = false;
    auto skel = BpfSkeleton<FakeSkeleton>::open();
    FakeSkeleton::loadResult = -EPERM;
    try {
        skel.load();
        FAIL() << "no exception";
    } catch (const BpfError& e) {
        EXPECT_EQ(e.error(), EPERM);
    }
}

// Objects freed by the kernel go away after an RCU grace period, not at close().
template <typename Gone> bool eventually(Gone gone) {
    for (int i = 0; i < 200; ++i) {
        if (gone()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

std::uint32_t objectId(int fd) {
    bpf_prog_info info{};
    std::uint32_t length = sizeof(info);
    return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
}

BpfSkeleton<feature_probe> socketFilterOnly() {
    // The default SkeletonTraits: bpftool's C++ static members feature_probe::open/load/destroy.
    auto skel = BpfSkeleton<feature_probe>::open();
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj) {
        bpf_program__set_autoload(prog, prog == skel->progs.probe_socket_filter);
    }
    skel.load();
    return skel;
}

TEST(BpfSkeletonTest, DestroyUnloadsTheRealPrograms) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: loading BPF programs needs CAP_BPF";
    }
    auto skel = socketFilterOnly();
    const auto id = objectId(bpf_program__fd(skel->progs.probe_socket_filter));
    ASSERT_NE(id, 0U);
    skel.reset();
    EXPECT_TRUE(eventually([id] {
        const int fd = bpf_prog_get_fd_by_id(id);
        if (fd >= 0) {
            ::close(fd);
        }
        return fd < 0;
    }));
}

TEST(BpfLinkTest, AdoptingANullLinkThrowsWithErrno) {
    errno = ENOENT;
    try {
        BpfLink::adopt(nullptr, "attach nothing");
        FAIL() << "no exception";
    } catch (const BpfError& e) {
        EXPECT_EQ(e.error(), ENOENT);
    }
}

TEST(BpfLinkTest, ResetDetachesTheRealLink) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: attaching BPF programs needs CAP_BPF and CAP_PERFMON";
    }
    auto skel = BpfSkeleton<feature_probe>::open();
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj) {
        bpf_program__set_autoload(prog, prog == skel->progs.probe_tp_btf);
    }
    skel.load();
    auto link = BpfLink::adopt(bpf_program__attach(skel->progs.probe_tp_btf), "attach tp_btf");
    const auto id = objectId(bpf_link__fd(link.get()));
    ASSERT_NE(id, 0U);
    auto moved = std::move(link);
    EXPECT_FALSE(link); // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    moved.reset();
    EXPECT_TRUE(eventually([id] {
        const int fd = bpf_link_get_fd_by_id(id);
        if (fd >= 0) {
            ::close(fd);
        }
        return fd < 0;
    }));
}

// A ring buffer map plus a raw socket filter that writes `value` into it each time it runs.
struct RingbufFixture {
    UniqueFd map;
    UniqueFd prog;

    explicit RingbufFixture(std::int32_t value)
        : map(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "test_rb", 0, 0, 4096, nullptr)) {
        if (!map) {
            throw BpfError("create ring buffer map", errno);
        }
        const auto loaded = test::loadProgram(
            {BPF_PROG_TYPE_SOCKET_FILTER, {}, 0, test::ringbufOutput(map.get(), value)});
        prog.reset(loaded.fd);
        if (!prog) {
            throw BpfError("load ring buffer writer", loaded.error);
        }
    }
    void produce() const { ASSERT_TRUE(test::testRun(prog.get()).has_value()); }
};

TEST(RingBufferReaderTest, DeliversRecordsAfterAMove) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: ring buffer maps need CAP_BPF";
    }
    const RingbufFixture fixture(0x1234);
    std::vector<std::uint64_t> seen;
    RingBufferReader first(fixture.map.get(), [&seen](std::span<const std::byte> record) {
        std::uint64_t value = 0;
        std::memcpy(&value, record.data(), std::min(record.size(), sizeof(value)));
        seen.push_back(value);
        return 0;
    });
    RingBufferReader reader(std::move(first));
    EXPECT_GE(reader.fd(), 0);
    fixture.produce();
    fixture.produce();
    EXPECT_EQ(reader.poll(std::chrono::milliseconds(100)), 2);
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{0x1234, 0x1234}));
    EXPECT_EQ(reader.poll(std::chrono::milliseconds(0)), 0);
}

TEST(RingBufferReaderTest, CallbackExceptionsReachTheCaller) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: ring buffer maps need CAP_BPF";
    }
    const RingbufFixture fixture(1);
    RingBufferReader reader(fixture.map.get(), [](std::span<const std::byte>) -> int {
        throw std::logic_error("callback failed");
    });
    fixture.produce();
    EXPECT_THROW(reader.consume(), std::logic_error);
}

TEST(RingBufferReaderTest, NegativeCallbackResultBecomesBpfError) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root: ring buffer maps need CAP_BPF";
    }
    const RingbufFixture fixture(1);
    RingBufferReader reader(fixture.map.get(), [](std::span<const std::byte>) { return -EBADMSG; });
    fixture.produce();
    try {
        reader.consume();
        FAIL() << "no exception";
    } catch (const BpfError& e) {
        EXPECT_EQ(e.error(), EBADMSG);
    }
}

} // namespace
} // namespace mamori::kernel
