#include "lbm/DeviceEvaluator.h"

#include "lbm/Interpreter.h"

namespace mamori::lbm {
namespace {

Decision decisionFor(const Rule& rule, std::size_t index) {
    return {rule.action, rule.name, rule.position, index};
}

} // namespace

DeviceEvaluator::DeviceEvaluator(const RuleFile& rules)
    : rules_(rules) {
    for (std::size_t i = 0; i < rules.rules.size(); ++i) {
        const Rule& rule = rules.rules[i];
        if (!rule.condition || (rule.subsystem && isPacketSubsystem(*rule.subsystem))) {
            continue; // packet rules belong to the kernel programs
        }
        candidates_.push_back({i, rule.subsystem == Subsystem::UsbInterface});
    }
}

DeviceVerdict DeviceEvaluator::evaluate(const DeviceDescription& device) const {
    DeviceVerdict verdict;
    verdict.interfaces.resize(device.interfaces.size());
    for (const Candidate& candidate : candidates_) {
        const Rule& rule = rules_.rules[candidate.index];
        const Decision decision = decisionFor(rule, candidate.index);
        if (candidate.perInterface) {
            applyInterfaceRule(rule, decision, device, verdict);
        } else {
            applyDeviceRule(rule, decision, device, verdict);
        }
    }
    return verdict;
}

void DeviceEvaluator::applyDeviceRule(const Rule& rule, const Decision& decision,
                                      const DeviceDescription& device, DeviceVerdict& verdict) {
    if (!Interpreter::matches(*rule.condition, device)) {
        return;
    }
    if (rule.action == Action::Log) {
        verdict.logged.push_back(decision);
        return;
    }
    // Decides for the device and for every interface no earlier rule decided.
    if (!verdict.device) {
        verdict.device = decision;
    }
    for (auto& interface : verdict.interfaces) {
        if (!interface) {
            interface = decision;
        }
    }
}

void DeviceEvaluator::applyInterfaceRule(const Rule& rule, const Decision& decision,
                                         const DeviceDescription& device, DeviceVerdict& verdict) {
    bool logged = false;
    for (std::size_t i = 0; i < device.interfaces.size(); ++i) {
        if (!Interpreter::matches(*rule.condition, device, &device.interfaces[i])) {
            continue;
        }
        if (rule.action != Action::Log) {
            if (!verdict.interfaces[i]) {
                verdict.interfaces[i] = decision;
            }
        } else if (!logged) {
            verdict.logged.push_back(decision); // once per rule, however many interfaces
            logged = true;
        }
    }
}

} // namespace mamori::lbm
