// Internal to service/kernel: the individual probes behind FeatureProbe::run() and the small
// helpers they share. Not installed, not for engines.
#pragma once

#include "kernel/FeatureProbe.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mamori::kernel::probe {

struct Environment {
    std::string cgroupV2Mount;
};

using ProbeFn = FeatureResult (*)(const Environment&);

FeatureResult probeXdp(const Environment& env);
FeatureResult probeCgroupSockAddr(const Environment& env);
FeatureResult probeUprobe(const Environment& env);
FeatureResult probeTpBtf(const Environment& env);
FeatureResult probeBpfLsm(const Environment& env);
FeatureResult probeProgTestRun(const Environment& env);
FeatureResult probeSeccompUserNotif(const Environment& env);
FeatureResult probeSeccompEbpf(const Environment& env);
FeatureResult probeLbm(const Environment& env);

inline FeatureResult available(std::string detail) {
    return {true, std::move(detail)};
}
inline FeatureResult unavailable(std::string detail) {
    return {false, std::move(detail)};
}

// What the kernel checks in bpf_prog_load()/perf_event_open(): CAP_SYS_ADMIN stands in for
// CAP_BPF and CAP_PERFMON, nothing stands in for CAP_NET_ADMIN.
enum class Privilege { Bpf, Perfmon, NetAdmin };

// Empty when the process holds all of `needed`; otherwise a detail naming what is missing.
std::string missingPrivileges(std::initializer_list<Privilege> needed);

// Whole file, or nullopt (errno kept) when it cannot be read.
std::optional<std::string> readFile(const std::string& path);

} // namespace mamori::kernel::probe
