// Internal: the feature_probe skeleton, opened so that exactly one of its programs gets loaded.
#pragma once

#include "kernel/BpfSkeleton.h"

#include <string_view>

// The shared header needs __u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "feature_probe.h"
#include "feature_probe.skel.h"
// clang-format on

namespace mamori::kernel {

template <> struct SkeletonTraits<feature_probe> {
    static constexpr std::string_view name = "feature_probe";
    static feature_probe* open() { return feature_probe__open(); }
    static int load(feature_probe* skel) { return feature_probe__load(skel); }
    static void destroy(feature_probe* skel) { feature_probe__destroy(skel); }
};

namespace probe {

using ProbeSkeleton = BpfSkeleton<feature_probe>;

// A fresh skeleton in which only the program named `program` will be loaded, so that a program
// type this kernel refuses cannot make the load of another one fail.
ProbeSkeleton openWithOnly(std::string_view program);

} // namespace probe
} // namespace mamori::kernel
