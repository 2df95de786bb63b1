// What this kernel lets mamorid do, found by really loading (and where it matters attaching and
// running) tiny programs from bpf/feature_probe.bpf.c rather than by reading config or versions.
// The engines decide from this report which code path to take, and the Manager publishes it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace mamori::kernel {

struct FeatureResult {
    bool available = false;
    // Human-readable reason, always set: what worked, or which step failed and why.
    std::string detail;
};

struct FeatureReport {
    // Keyed by the names in mamori::names::feature; every one of names::feature::kAll is present.
    std::map<std::string, FeatureResult, std::less<>> features;
    // Mount point of the cgroup v2 hierarchy, empty when none is mounted.
    std::string cgroupV2Mount;
};

class FeatureProbe {
public:
    // Runs every probe independently (one failing never stops another) and leaves nothing
    // loaded, attached or created behind. Needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN) for
    // the BPF probes; without them those report unavailable naming the missing capability.
    // Silences libbpf's printing while it runs; that setting is process-wide, so other threads'
    // libbpf messages are dropped during the (sub-second) run.
    FeatureReport run() const;
};

// The mount point of the first cgroup2 line in /proc/self/mountinfo-formatted text, octal
// escapes (\040 for space) decoded; empty when there is none.
std::string cgroupV2MountFrom(std::string_view mountinfo);

} // namespace mamori::kernel
