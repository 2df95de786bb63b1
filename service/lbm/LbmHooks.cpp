#include "lbm/LbmHooks.h"

#include "common/UniqueFd.h"
#include "lbm/ProgramLoader.h"
#include "patched_kernel.h"

#include <array>
#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>

namespace mamori::lbm {
namespace {

struct Hook {
    const char* name;
    int attachType;
    Subsystem subsystem;
};

constexpr std::array kHooks{
    Hook{"usb_ingress", MAMORI_BPF_LBM_USB_INGRESS, Subsystem::UsbUrb},
    Hook{"usb_egress", MAMORI_BPF_LBM_USB_EGRESS, Subsystem::UsbUrb},
    Hook{"hci_ingress", MAMORI_BPF_LBM_HCI_INGRESS, Subsystem::BtHci},
    Hook{"hci_egress", MAMORI_BPF_LBM_HCI_EGRESS, Subsystem::BtHci},
    Hook{"l2cap_ingress", MAMORI_BPF_LBM_L2CAP_INGRESS, Subsystem::BtL2cap},
};

constexpr const char* kProgramName = "mamori_lbm";
constexpr uint32_t kMaxPrograms = 64; // the patch's limit per hook

auto attachType(const Hook& hook) {
    return static_cast<bpf_attach_type>(hook.attachType);
}

std::vector<uint32_t> attachedIds(const Hook& hook) {
    std::vector<uint32_t> ids(kMaxPrograms);
    uint32_t count = kMaxPrograms;
    if (bpf_prog_query(0, attachType(hook), 0, nullptr, ids.data(), &count) != 0) {
        throw std::system_error(errno, std::generic_category(),
                                std::string("cannot list the programs on LBM hook ") + hook.name);
    }
    ids.resize(count);
    return ids;
}

// An fd of the program with `id` when it is one of Mamori's filters, else an empty one.
UniqueFd ourProgram(uint32_t id) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) {
        return {}; // gone meanwhile
    }
    bpf_prog_info info{};
    uint32_t length = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0 ||
        std::strncmp(info.name, kProgramName, sizeof info.name) != 0) {
        return {};
    }
    return fd;
}

uint32_t programId(int fd) {
    bpf_prog_info info{};
    uint32_t length = sizeof info;
    return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
}

// Takes Mamori's programs other than `keepId` off `hook`; returns how many.
unsigned detachOurs(const Hook& hook, uint32_t keepId) {
    unsigned removed = 0;
    for (const uint32_t id : attachedIds(hook)) {
        if (id == keepId) {
            continue;
        }
        const UniqueFd old = ourProgram(id);
        if (old && bpf_prog_detach2(old.get(), 0, attachType(hook)) == 0) {
            ++removed;
        }
    }
    return removed;
}

std::uint64_t counter(const std::string& name) {
    std::ifstream in(std::string(MAMORI_LBM_SYSFS_DIR) + "/" + name);
    std::uint64_t value = 0;
    in >> value;
    return value;
}

} // namespace

bool LbmHooks::available() {
    return std::filesystem::exists(MAMORI_LBM_SYSFS_DIR);
}

LbmInstallResult LbmHooks::install(const Program& program) {
    if (program.target != Target::LbmProgram) {
        throw std::invalid_argument("LBM hooks take filters compiled for the LBM program type");
    }
    std::set<Subsystem> subsystems;
    for (const auto& rule : program.rules) {
        subsystems.insert(rule.subsystem);
    }
    LbmInstallResult result;
    UniqueFd fd;
    uint32_t newId = 0;
    if (!subsystems.empty()) {
        fd = ProgramLoader::load(program);
        newId = programId(fd.get());
    }
    std::vector<const Hook*> attached;
    for (const auto& hook : kHooks) {
        if (!subsystems.contains(hook.subsystem)) {
            continue;
        }
        if (bpf_prog_attach(fd.get(), 0, attachType(hook), 0) != 0) {
            const int error = errno;
            for (const Hook* done : attached) {
                bpf_prog_detach2(fd.get(), 0, attachType(*done));
            }
            throw std::system_error(error, std::generic_category(),
                                    std::string("cannot attach the filter to LBM hook ") +
                                        hook.name);
        }
        attached.push_back(&hook);
        result.hooks.emplace_back(hook.name);
    }
    for (const auto& hook : kHooks) {
        result.replaced += detachOurs(hook, newId);
    }
    return result;
}

unsigned LbmHooks::removeOurs() {
    unsigned removed = 0;
    for (const auto& hook : kHooks) {
        removed += detachOurs(hook, 0);
    }
    return removed;
}

std::vector<LbmHookStatus> LbmHooks::status() {
    std::vector<LbmHookStatus> hooks;
    for (const auto& hook : kHooks) {
        LbmHookStatus status{hook.name};
        for (const uint32_t id : attachedIds(hook)) {
            ++(ourProgram(id) ? status.ourPrograms : status.otherPrograms);
        }
        status.packets = counter(status.hook + "_packets");
        status.dropped = counter(status.hook + "_dropped");
        hooks.push_back(status);
    }
    return hooks;
}

} // namespace mamori::lbm
