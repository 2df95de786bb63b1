// How mamori-run hands a profile's phase filters to its preload library (libmamori-phase.so),
// and which libc functions that library can watch for a phase switch. On a stock kernel a
// filter cannot be loosened or swapped from outside, so the process stacks the next phase's
// (tighter) filter itself, at the first call of the switch syscall: the first filter allows
// every phase's syscalls and each stacked one refuses what the phases before it needed.
//
// The launcher writes the filters to a memfd and names it in MAMORI_PHASES_FD; the library
// reads it once in its constructor. Plain structs and C strings only: the library avoids the
// C++ runtime so that it loads into any program.
#pragma once

#include <array>
#include <cstdint>
#include <sys/syscall.h>

namespace mamori::sandbox::phasewire {

inline constexpr const char* kFdVariable = "MAMORI_PHASES_FD";
inline constexpr std::uint32_t kMagic = 0x3148504dU; // "MPH1"
inline constexpr unsigned kMaxPhases = 8;
inline constexpr unsigned kNameSize = 32;

struct Header {
    std::uint32_t magic;
    std::uint32_t phaseCount; // phases after the first, in order
};

// Followed by `instructionCount` struct sock_filter.
struct PhaseRecord {
    char name[kNameSize];          // NOLINT(modernize-avoid-c-arrays): a wire record, read as bytes
    std::uint32_t explicitTrigger; // 1: only mamori_enter_phase() enters it
    std::int32_t syscall;          // the first call of this syscall enters it
    std::uint32_t instructionCount;
};

// A switch syscall the library can see: the libc function it wraps issues that syscall.
struct ObservableTrigger {
    const char* syscall;
    long number;
};

inline constexpr std::array<ObservableTrigger, 8> kObservableTriggers = {{
    {"epoll_wait", SYS_epoll_wait},
    {"epoll_pwait", SYS_epoll_pwait},
    {"accept", SYS_accept},
    {"accept4", SYS_accept4},
    {"poll", SYS_poll},
    {"ppoll", SYS_ppoll},
    {"select", SYS_select},
    {"pselect6", SYS_pselect6},
}};

} // namespace mamori::sandbox::phasewire
