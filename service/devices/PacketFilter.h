// The administrator's packet rules (the `usb.urb.*`, `bt.hci.*`, `bt.l2cap.*` rules of the
// devices rule files) in the kernel: compiled into one LBM program and put on the LBM hooks of
// a patched kernel (kernel-patches/lbm) when the devices engine starts, replacing the filter an
// earlier start left there. The kernel keeps the filter attached when mamorid stops or crashes,
// so protection does not drop while the service restarts; rule files without packet rules take
// Mamori's filter off again. On a stock kernel the packet rules are only reported as not
// enforced.
#pragma once

#include "lbm/Ast.h"

#include <string>

namespace mamori::devices {

class PacketFilter {
public:
    // Never throws: what happened, or why nothing did, is logged and returned in words.
    static std::string apply(const lbm::RuleFile& adminRules);
};

} // namespace mamori::devices
