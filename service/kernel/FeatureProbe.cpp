#include "kernel/FeatureProbe.h"

#include "LibbpfLogCapture.h"
#include "ProbeSupport.h"
#include "common/Names.h"
#include "kernel/BpfError.h"

#include <array>
#include <exception>
#include <utility>

namespace mamori::kernel {

namespace {

namespace feature = names::feature;
using probe::ProbeFn;

constexpr std::array<std::pair<std::string_view, ProbeFn>, 9> kProbes = {{
    {feature::kXdp, &probe::probeXdp},
    {feature::kCgroupSockAddr, &probe::probeCgroupSockAddr},
    {feature::kUprobe, &probe::probeUprobe},
    {feature::kTpBtf, &probe::probeTpBtf},
    {feature::kBpfLsm, &probe::probeBpfLsm},
    {feature::kProgTestRun, &probe::probeProgTestRun},
    {feature::kSeccompUserNotif, &probe::probeSeccompUserNotif},
    {feature::kSeccompEbpf, &probe::probeSeccompEbpf},
    {feature::kLbm, &probe::probeLbm},
}};
static_assert(kProbes.size() == feature::kAll.size(), "every feature name needs a probe");

// A verifier rejection is only explained by the verifier's log; everything else by errno.
std::string withVerifierSummary(std::string detail, const probe::LibbpfLogCapture& log) {
    if (auto summary = log.verifierSummary(); !summary.empty()) {
        detail += " (verifier: " + summary + ")";
    }
    return detail;
}

// Keeps one probe's failure, whatever its kind, from reaching the others.
FeatureResult runIsolated(ProbeFn probeFn, const probe::Environment& env) {
    const probe::LibbpfLogCapture log;
    try {
        return probeFn(env);
    } catch (const BpfError& e) {
        return probe::unavailable(withVerifierSummary(e.what(), log));
    } catch (const std::exception& e) {
        return probe::unavailable(std::string("probe failed: ") + e.what());
    }
}

std::string readCgroupV2Mount() {
    const auto mountinfo = probe::readFile("/proc/self/mountinfo");
    return mountinfo ? cgroupV2MountFrom(*mountinfo) : std::string{};
}

} // namespace

FeatureReport FeatureProbe::run() const {
    FeatureReport report;
    report.cgroupV2Mount = readCgroupV2Mount();
    const probe::Environment env{report.cgroupV2Mount};
    for (const auto& [name, probeFn] : kProbes) {
        report.features.emplace(name, runIsolated(probeFn, env));
    }
    return report;
}

} // namespace mamori::kernel
