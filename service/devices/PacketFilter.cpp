#include "devices/PacketFilter.h"

#include "common/Log.h"
#include "lbm/CodeGenerator.h"
#include "lbm/LbmHooks.h"

#include <exception>

namespace mamori::devices {

std::string PacketFilter::apply(const lbm::RuleFile& adminRules) {
    std::string outcome;
    try {
        const lbm::Program program =
            lbm::CodeGenerator(lbm::Target::LbmProgram).compile(adminRules);
        if (!lbm::LbmHooks::available()) {
            if (!program.rules.empty()) {
                outcome = std::to_string(program.rules.size()) +
                          " packet rules are not enforced: this kernel has no LBM hooks (the LBM "
                          "patches in kernel-patches/)";
                log::warning("devices: " + outcome);
            }
            return outcome;
        }
        const lbm::LbmInstallResult result = lbm::LbmHooks::install(program);
        std::string hooks;
        for (const auto& hook : result.hooks) {
            hooks += (hooks.empty() ? "" : ", ") + hook;
        }
        outcome = program.rules.empty() ? "no packet rules; " + std::to_string(result.replaced) +
                                              " earlier filter attachments taken off"
                                        : std::to_string(program.rules.size()) +
                                              " packet rules on the LBM hooks " + hooks;
        log::info("devices: " + outcome);
    } catch (const std::exception& e) {
        // The earlier filter, if any, stays attached: LbmHooks changes all or nothing.
        outcome = std::string("packet rules not loaded: ") + e.what();
        log::error("devices: " + outcome);
    }
    return outcome;
}

} // namespace mamori::devices
