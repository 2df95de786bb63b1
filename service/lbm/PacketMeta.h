// The packet context shared with the kernel (bpf/lbm_packet.h) for C++ code: that header has
// no includes and needs the kernel's __u32 types first.
#pragma once

// clang-format off
#include <linux/types.h>
#include "lbm_packet.h"
// clang-format on
