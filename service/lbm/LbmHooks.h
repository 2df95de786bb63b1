// The LBM hooks of a patched kernel (kernel-patches/lbm): puts a compiled packet filter
// (Target::LbmProgram) on the hooks of the subsystems its rules are for, replaces the filter
// an earlier mamorid left there, takes Mamori's filters off, and reads what each hook counted.
//
// Attached programs are held by the kernel, not by this process: a filter keeps protecting
// while mamorid restarts or after it crashed. So replacing is attach-new-then-detach-old (no
// moment without a filter), and Mamori's own programs are told from others by their kernel
// name, "mamori_lbm" (ProgramLoader), so an administrator's own LBM programs are left alone.
#pragma once

#include "lbm/CodeGenerator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::lbm {

struct LbmHookStatus {
    std::string hook;           // "usb_ingress", ... as in /sys/kernel/lbm
    unsigned ourPrograms = 0;   // Mamori's filters attached
    unsigned otherPrograms = 0; // anyone else's
    std::uint64_t packets = 0;  // seen by the hook's programs since boot
    std::uint64_t dropped = 0;  // of which dropped
};

struct LbmInstallResult {
    std::vector<std::string> hooks; // where the new filter now runs
    unsigned replaced = 0;          // older Mamori filters taken off
};

class LbmHooks {
public:
    // Whether this kernel has the hooks (the LBM patch's /sys/kernel/lbm).
    static bool available();

    // Loads `program` and attaches it to both directions of each subsystem its packet rules
    // are for (L2CAP: reception), then takes every older Mamori filter off all hooks. A program
    // without packet rules only takes the old ones off. All or nothing: when an attach fails
    // the new filter is taken off again and the old ones stay. Throws std::invalid_argument
    // without the patch, std::system_error (with the hook's name) when the kernel refuses.
    static LbmInstallResult install(const Program& program);

    // Takes every Mamori filter off every hook; returns how many attachments it removed.
    static unsigned removeOurs();

    static std::vector<LbmHookStatus> status();
};

} // namespace mamori::lbm
