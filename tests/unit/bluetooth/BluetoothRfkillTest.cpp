// The Bluetooth radio switch through rfkill. The machines these tests run on have no Bluetooth
// radio (and their kernel may lack rfkill), so FakeRfkillKernel fakes the kernel's /dev/rfkill:
// the test plays the kernel's side of a socket pair, feeding rfkill_event records and reading
// back what BluetoothControl writes. One test also uses the real /dev/rfkill when it exists.
#include "FakeRfkillKernel.h"
#include "TempDir.h"
#include "common/Errors.h"
#include "devices/BluetoothControl.h"
#include "devices/RfkillDevice.h"

#include <array>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mamori::devices {
namespace {

using test::FakeRfkillKernel;

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

BluetoothControl::RfkillOpener openerFor(FakeRfkillKernel& kernel) {
    return [&kernel](RfkillDevice::Access access) { return kernel.open(access); };
}

void expectChangeAll(const rfkill_event& request, bool soft) {
    EXPECT_EQ(request.op, RFKILL_OP_CHANGE_ALL);
    EXPECT_EQ(request.type, RFKILL_TYPE_BLUETOOTH);
    EXPECT_EQ(request.soft, soft ? 1 : 0);
}

TEST(RfkillDevice, FoldsAddChangeAndDelEvents) {
    std::array<int, 2> ends{-1, -1};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends.data()), 0);
    UniqueFd kernel(ends[0]);
    RfkillDevice device{UniqueFd(ends[1])};
    const auto send = [&](std::uint32_t idx, std::uint8_t type, std::uint8_t op,
                          std::uint8_t soft) {
        rfkill_event event{};
        event.idx = idx;
        event.type = type;
        event.op = op;
        event.soft = soft;
        ASSERT_EQ(::send(kernel.get(), &event, sizeof event, 0),
                  static_cast<ssize_t>(sizeof event));
    };
    send(0, RFKILL_TYPE_BLUETOOTH, RFKILL_OP_ADD, 0);
    send(1, RFKILL_TYPE_WLAN, RFKILL_OP_ADD, 1);
    send(2, RFKILL_TYPE_BLUETOOTH, RFKILL_OP_ADD, 0);
    send(0, RFKILL_TYPE_BLUETOOTH, RFKILL_OP_CHANGE, 1);
    send(2, RFKILL_TYPE_BLUETOOTH, RFKILL_OP_DEL, 0);

    const auto bluetooth = device.readSwitches(RFKILL_TYPE_BLUETOOTH);
    ASSERT_EQ(bluetooth.size(), 1U);
    EXPECT_TRUE(bluetooth.at(0).softBlocked);
    // The table is kept: a second read with nothing queued still knows every switch.
    EXPECT_EQ(device.readSwitches().size(), 2U);
}

TEST(RfkillDevice, TruncatedEventIsAnError) {
    std::array<int, 2> ends{-1, -1};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends.data()), 0);
    UniqueFd kernel(ends[0]);
    RfkillDevice device{UniqueFd(ends[1])};
    const std::array<char, 3> partial{1, 0, 0};
    ASSERT_EQ(::send(kernel.get(), partial.data(), partial.size(), 0), 3);
    EXPECT_THROW(device.readSwitches(), MamoriError);
}

TEST(RfkillDevice, OpensAnyPathAndWritesOneVersion1Record) {
    // A FIFO stands in for the character device: open(2) and write(2) are all that is used.
    TempDir dir;
    const auto fifo = dir.path() / "rfkill";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto device = RfkillDevice::open(fifo, RfkillDevice::Access::ReadWrite);
    UniqueFd reader(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    ASSERT_TRUE(reader);
    device.changeAll(RFKILL_TYPE_BLUETOOTH, true);
    rfkill_event written{};
    ASSERT_EQ(::read(reader.get(), &written, sizeof written), 8);
    expectChangeAll(written, true);
}

TEST(RfkillDevice, MissingNodeIsAClearFailure) {
    TempDir dir;
    try {
        RfkillDevice::open(dir.path() / "no-rfkill", RfkillDevice::Access::ReadOnly);
        FAIL() << "opened a node that does not exist";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::Failed);
        EXPECT_NE(std::string(e.what()).find("no-rfkill"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("rfkill support"), std::string::npos) << e.what();
    }
}

TEST(BluetoothRadio, BlockWritesChangeAllAndIsReadBack) {
    TempDir dir;
    FakeRfkillKernel kernel;
    kernel.addSwitch(0, RFKILL_TYPE_WLAN, false);
    kernel.addSwitch(1, RFKILL_TYPE_BLUETOOTH, false);
    BluetoothControl control(dir.path(), openerFor(kernel));
    EXPECT_TRUE(control.radioPresent());
    EXPECT_FALSE(control.radioBlocked());

    control.setRadioBlocked(true);
    ASSERT_EQ(kernel.pump(), 1U);
    expectChangeAll(kernel.requests().at(0), true);
    EXPECT_TRUE(kernel.switches().at(1).softBlocked);
    EXPECT_FALSE(kernel.switches().at(0).softBlocked) << "the Wi-Fi switch was touched";
    EXPECT_TRUE(control.radioBlocked());

    control.setRadioBlocked(false);
    ASSERT_EQ(kernel.pump(), 1U);
    expectChangeAll(kernel.requests().at(1), false);
    EXPECT_FALSE(control.radioBlocked());
}

TEST(BluetoothRadio, BlockPersistsAndRestoreReappliesIt) {
    TempDir dir;
    {
        FakeRfkillKernel kernel;
        kernel.addSwitch(0, RFKILL_TYPE_BLUETOOTH, false);
        BluetoothControl control(dir.path(), openerFor(kernel));
        control.setRadioBlocked(true);
        kernel.pump();
    }
    // After a reboot: the radio comes up unblocked; the new service instance blocks it again.
    FakeRfkillKernel rebooted;
    rebooted.addSwitch(0, RFKILL_TYPE_BLUETOOTH, false);
    BluetoothControl control(dir.path(), openerFor(rebooted));
    control.restore();
    ASSERT_EQ(rebooted.pump(), 1U);
    expectChangeAll(rebooted.requests().at(0), true);
    EXPECT_TRUE(control.radioBlocked());
}

TEST(BluetoothRadio, RestoreWithoutAChoiceTouchesNothing) {
    TempDir dir;
    FakeRfkillKernel kernel;
    kernel.addSwitch(0, RFKILL_TYPE_BLUETOOTH, true);
    BluetoothControl control(dir.path(), openerFor(kernel));
    control.restore();
    EXPECT_EQ(kernel.pump(), 0U);
    EXPECT_EQ(kernel.opens(), 0U);
    EXPECT_TRUE(control.radioBlocked()) << "the administrator's own block is reported as it is";
}

TEST(BluetoothRadio, FailedWriteChangesNothingPersisted) {
    TempDir dir;
    FakeRfkillKernel kernel;
    kernel.addSwitch(0, RFKILL_TYPE_BLUETOOTH, false);
    BluetoothControl control(dir.path(), openerFor(kernel));
    control.setRadioBlocked(true);
    kernel.pump();
    const auto statePath = dir.path() / "bluetooth.state";
    const std::string before = readFile(statePath);
    ASSERT_NE(before.find("SoftBlocked=true"), std::string::npos) << before;

    kernel.failWrites = true;
    try {
        control.setRadioBlocked(false);
        FAIL() << "a refused write was reported as success";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::Failed);
        EXPECT_NE(std::string(e.what()).find("cannot write to rfkill"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(readFile(statePath), before);
    EXPECT_TRUE(control.radioBlocked());

    kernel.failWrites = false;
    BluetoothControl restarted(dir.path(), openerFor(kernel));
    restarted.restore();
    kernel.pump();
    expectChangeAll(kernel.requests().back(), true);
}

TEST(BluetoothRadio, MissingRfkillFailsClearlyAndPersistsNothing) {
    TempDir dir;
    BluetoothControl control(dir.path(), dir.path() / "no-rfkill");
    try {
        control.setRadioBlocked(true);
        FAIL() << "blocked a radio without rfkill";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::Failed);
        EXPECT_NE(std::string(e.what()).find("no-rfkill"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "bluetooth.state"));
    EXPECT_FALSE(control.radioPresent());
    EXPECT_FALSE(control.radioBlocked());
    control.restore(); // nothing to restore, and no throw
}

TEST(BluetoothRadio, UnwritableStateDirectoryLeavesTheRadioAlone) {
    TempDir dir;
    // A regular file where the state directory should be: nothing can be saved under it.
    const auto notADirectory = dir.path() / "state";
    std::ofstream(notADirectory) << "x";
    FakeRfkillKernel kernel;
    kernel.addSwitch(0, RFKILL_TYPE_BLUETOOTH, false);
    BluetoothControl control(notADirectory, openerFor(kernel));
    try {
        control.setRadioBlocked(true);
        FAIL() << "state could not be saved, yet no error";
    } catch (const MamoriError& e) {
        EXPECT_EQ(e.code(), ErrorCode::StateNotSaved);
    }
    EXPECT_EQ(kernel.pump(), 0U) << "rfkill was written although the choice was not saved";
    EXPECT_FALSE(kernel.switches().at(0).softBlocked);
}

TEST(BluetoothRadio, NoBluetoothSwitchReportsTheSavedChoice) {
    TempDir dir;
    FakeRfkillKernel kernel;
    kernel.addSwitch(0, RFKILL_TYPE_WLAN, true);
    BluetoothControl control(dir.path(), openerFor(kernel));
    EXPECT_FALSE(control.radioPresent());
    EXPECT_FALSE(control.radioBlocked()) << "a blocked Wi-Fi switch is not Bluetooth";
    // CHANGE_ALL also sets the kernel's default for Bluetooth switches that appear later.
    control.setRadioBlocked(true);
    kernel.pump();
    EXPECT_TRUE(control.radioBlocked());
}

TEST(BluetoothRadio, RealRfkillNodeIsReadWithoutChangingIt) {
    const std::filesystem::path node = "/dev/rfkill";
    if (!std::filesystem::exists(node)) {
        GTEST_SKIP() << "no /dev/rfkill on this machine (kernel built without CONFIG_RFKILL or "
                        "its module not loaded); the fake-kernel tests cover the protocol";
    }
    if (::access(node.c_str(), R_OK) != 0) {
        GTEST_SKIP() << "/dev/rfkill is not readable by this user";
    }
    // Only reads: whatever switches exist are reported, and the machine's state is left alone.
    auto device = RfkillDevice::open(node, RfkillDevice::Access::ReadOnly);
    const auto all = device.readSwitches();
    for (const auto& [index, entry] : all) {
        EXPECT_EQ(index, entry.index);
    }
    TempDir dir;
    BluetoothControl control(dir.path(), node);
    EXPECT_EQ(control.radioPresent(), !device.readSwitches(RFKILL_TYPE_BLUETOOTH).empty());
}

} // namespace
} // namespace mamori::devices
