#include "sandbox/FilterCompiler.h"

#include "common/KeyFile.h"
#include "sandbox/ProfileBuilder.h"
#include "sandbox/SyscallGroups.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace mamori::sandbox {
namespace {

std::uint32_t scmpAction(const Action& action) {
    switch (action.kind) {
    case ActionKind::Errno:
        return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(action.errnoValue));
    case ActionKind::Log:
        return SCMP_ACT_LOG;
    case ActionKind::Kill:
        break;
    }
    return SCMP_ACT_KILL_PROCESS;
}

scmp_arg_cmp toScmp(const ArgCondition& c) {
    switch (c.op) {
    case CompareOp::NotEqual:
        return {c.index, SCMP_CMP_NE, c.value, 0};
    case CompareOp::Less:
        return {c.index, SCMP_CMP_LT, c.value, 0};
    case CompareOp::LessEqual:
        return {c.index, SCMP_CMP_LE, c.value, 0};
    case CompareOp::Greater:
        return {c.index, SCMP_CMP_GT, c.value, 0};
    case CompareOp::GreaterEqual:
        return {c.index, SCMP_CMP_GE, c.value, 0};
    case CompareOp::MaskedEqual:
        return {c.index, SCMP_CMP_MASKED_EQ, c.mask, c.value};
    case CompareOp::Equal:
        break;
    }
    return {c.index, SCMP_CMP_EQ, c.value, 0};
}

// `log` lets the call run; saying "denied" would mislead whoever reads the plan.
std::string refusal(const Action& action) {
    if (action.kind == ActionKind::Log) {
        return "not refused: the kernel logs it (log)";
    }
    return "denied by filter (" + action.text + ")";
}

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) {
        text += (text.empty() ? "" : ", ") + item;
    }
    return text;
}

// Every syscall the profile names anywhere, so the plan covers all of them.
std::set<std::string> namedSyscalls(const Profile& profile) {
    std::set<std::string> names;
    for (const auto& entry : profile.allow) {
        names.insert(entry.first);
    }
    for (const auto& entry : profile.deny) {
        names.insert(entry.first);
    }
    for (const auto& phase : profile.phases) {
        for (const auto& entry : phase.allow) {
            names.insert(entry.first);
        }
    }
    return names;
}

// Which phases allow the syscall and which it switches to: information for the plan; phases
// are enforced by the stacked phase filters, not by the supervisor.
void notePhases(const Profile& profile, SyscallPlan& plan) {
    for (const auto& phase : profile.phases) {
        if (ProfileBuilder::allowedIn(profile, phase).contains(plan.name)) {
            plan.phases.push_back(phase.name);
        }
        if (phase.entry && phase.entry->kind == TriggerKind::FirstCall &&
            phase.entry->syscall == plan.name) {
            plan.entersPhases.push_back(phase.name);
        }
    }
}

// Fills the supervisor's inputs and returns the reasons the syscall cannot stay in the filter.
std::vector<std::string> statefulReasons(const Profile& profile, SyscallPlan& plan) {
    std::vector<std::string> reasons;
    if (const auto limit = profile.limits.find(plan.name); limit != profile.limits.end()) {
        plan.limit = limit->second.count;
        reasons.push_back("count limit " + std::to_string(limit->second.count));
    }
    for (const auto& pair : profile.pairs) {
        if (pair.first == plan.name || pair.second == plan.name) {
            plan.serializedWith.push_back(pair.first == plan.name ? pair.second : pair.first);
        }
    }
    if (!plan.serializedWith.empty()) {
        reasons.push_back("serialized with " + join(plan.serializedWith));
    }
    if (const auto arg = profile.arguments.find(plan.name);
        arg != profile.arguments.end() && arg->second.pathPrefix) {
        plan.pathPrefix = arg->second.pathPrefix;
        plan.pathIndex = arg->second.pathIndex;
        reasons.push_back("path prefix " + *plan.pathPrefix);
    }
    return reasons;
}

// The phases after the last one that allows the syscall: it is refused from the first of them.
std::string refusedFromPhase(const Profile& profile, const SyscallPlan& plan) {
    if (plan.phases.empty() || plan.phases.size() == profile.phases.size()) {
        return {};
    }
    const auto last =
        std::find_if(profile.phases.rbegin(), profile.phases.rend(),
                     [&](const Phase& phase) { return phase.name == plan.phases.back(); });
    const auto next = last.base();
    return next == profile.phases.end() ? std::string() : next->name;
}

std::string ruleText(const Profile& profile, const std::string& name) {
    std::vector<std::string> rules;
    if (const auto allow = profile.allow.find(name); allow != profile.allow.end()) {
        rules.push_back(allow->second.str());
    }
    for (const auto& phase : profile.phases) {
        if (const auto allow = phase.allow.find(name); allow != phase.allow.end()) {
            rules.push_back("[Phase " + phase.name + "] " + allow->second.str());
        }
    }
    if (const auto limit = profile.limits.find(name); limit != profile.limits.end()) {
        rules.push_back("[Limits] " + limit->second.origin.str());
    }
    if (const auto arg = profile.arguments.find(name); arg != profile.arguments.end()) {
        rules.push_back("[Arguments] " + arg->second.text + " (" + arg->second.origin.str() + ")");
    }
    return join(rules);
}

// SECCOMP_FILTER_FLAG_NEW_LISTENER: a listener on a filter of its own would let the program
// answer its own notifications (the newest filter's USER_NOTIF wins), so the sandbox may stack
// filters only without one.
constexpr std::uint64_t kNewListenerFlag = 1U << 3;

class Compilation {
public:
    Compilation(const Profile& profile, const KernelSeccomp& kernel, CompileMode mode)
        : profile_(profile)
        , kernel_(kernel)
        , mode_(mode)
        , supervised_(mode == CompileMode::Supervised)
        , defaultAction_(supervised_ ? SCMP_ACT_NOTIFY : scmpAction(profile.defaultAction))
        , filter_(defaultAction_) {
        // 2 = binary tree by syscall number: a few compares per syscall instead of a linear walk.
        filter_.setAttribute(SCMP_FLTATR_CTL_OPTIMIZE, 2);
    }

    CompiledProfile run() {
        Plan plan{profile_.name,
                  profile_.defaultAction.text,
                  mode_ == CompileMode::StatelessSubset,
                  supervised_,
                  {}};
        auto names = namedSyscalls(profile_);
        if (restrictsSeccomp()) {
            names.insert("seccomp");
        }
        for (const auto& name : names) {
            plan.syscalls.push_back(planFor(name));
        }
        auto phaseFilters = compilePhaseFilters(plan);
        std::optional<StatefulFilter> stateful;
        if (std::any_of(plan.syscalls.begin(), plan.syscalls.end(), [](const SyscallPlan& row) {
                return row.treatment == Treatment::Stateful;
            })) {
            stateful = StatefulFilter::compile(plan, profile_);
        }
        return {std::move(filter_), std::move(plan), std::move(phaseFilters), std::move(stateful)};
    }

private:
    // The phase switch stacks filters with seccomp(2); a supervised sandbox must not get a
    // listener of its own.
    bool restrictsSeccomp() const {
        return !profile_.deny.contains("seccomp") &&
               (!profile_.phases.empty() ||
                (supervised_ && ProfileBuilder::allowedAnywhere(profile_, "seccomp")));
    }

    void add(std::uint32_t action, const SyscallPlan& plan, const std::vector<scmp_arg_cmp>& args,
             const Origin& origin) {
        if (action == defaultAction_) {
            return; // libseccomp refuses rules that repeat the default; the default covers it
        }
        if (const int rc = filter_.addRule(action, plan.number, args); rc < 0) {
            throw KeyFileError(origin.file, origin.line,
                               plan.name + ": libseccomp rejected the rule: " + std::strerror(-rc));
        }
    }

    void addWithArguments(std::uint32_t action, const SyscallPlan& plan, const ArgumentRule* rule) {
        if (rule == nullptr || rule->pathPrefix) {
            add(action, plan, {}, {});
            return;
        }
        for (const auto& alternative : rule->alternatives) {
            std::vector<scmp_arg_cmp> args;
            args.reserve(alternative.size());
            for (const auto& condition : alternative) {
                args.push_back(toScmp(condition));
            }
            add(action, plan, args, rule->origin);
        }
    }

    SyscallPlan planFor(const std::string& name) {
        SyscallPlan plan;
        plan.name = name;
        plan.number = SyscallGroups::resolve(name);
        if (const auto deny = profile_.deny.find(name); deny != profile_.deny.end()) {
            planDeny(plan, deny->second);
            return plan;
        }
        if (name == "seccomp" && restrictsSeccomp()) {
            planSeccomp(plan);
            return plan;
        }
        plan.rule = ruleText(profile_, name);
        notePhases(profile_, plan);
        auto reasons = statefulReasons(profile_, plan);
        if (supervised_ && name == "execve") {
            reasons.emplace_back("the launcher's own exec passes the supervisor once");
        }
        const auto arg = profile_.arguments.find(name);
        const ArgumentRule* rule = arg == profile_.arguments.end() ? nullptr : &arg->second;
        if (!reasons.empty()) {
            planNotify(plan, reasons, rule);
        } else if (rule != nullptr) {
            planArguments(plan, *rule);
        } else {
            planAllow(plan);
        }
        notePhaseLimit(plan);
        return plan;
    }

    void notePhaseLimit(SyscallPlan& plan) const {
        if (!plan.entersPhases.empty()) {
            plan.reason += "; its first call enters phase " + join(plan.entersPhases);
        }
        const std::string refusedFrom = refusedFromPhase(profile_, plan);
        if (refusedFrom.empty()) {
            return;
        }
        plan.reason += "; phase " + join(plan.phases) + " only";
        plan.guaranteeText += "; refused from phase " + refusedFrom +
                              " on (the filter the process stacks at the switch; a stock kernel "
                              "allows it from the start)";
    }

    void planDeny(SyscallPlan& plan, const RuleRef& ref) {
        plan.treatment = Treatment::Deny;
        plan.action = profile_.denyAction.text;
        plan.reason = "denied";
        plan.rule = ref.str();
        describeRefusal(plan, profile_.denyAction);
        add(supervised_ ? SCMP_ACT_NOTIFY : scmpAction(profile_.denyAction), plan, {}, ref.origin);
    }

    void describeRefusal(SyscallPlan& plan, const Action& action) const {
        if (supervised_) {
            plan.guarantee = Guarantee::SupervisorDeny;
            plan.guaranteeText = "refused by the supervisor (" + action.text +
                                 ") and reported; ENOSYS if mamorid is gone";
            return;
        }
        plan.guarantee = Guarantee::FilterDeny;
        plan.guaranteeText = refusal(action);
    }

    void planSeccomp(SyscallPlan& plan) {
        plan.treatment = Treatment::ArgumentCheck;
        plan.action = "allow if flags & SECCOMP_FILTER_FLAG_NEW_LISTENER == 0";
        plan.reason = "phase switches stack filters (which only tighten); a listener of the "
                      "sandbox's own could answer for the supervisor";
        plan.rule = profile_.phases.empty() ? ruleText(profile_, plan.name) : "[Phases]";
        plan.guarantee = Guarantee::FilterArgument;
        plan.guaranteeText = "argument check in filter (sound)";
        add(SCMP_ACT_ALLOW, plan, {{1, SCMP_CMP_MASKED_EQ, kNewListenerFlag, 0}}, {});
    }

    void planAllow(SyscallPlan& plan) {
        plan.treatment = Treatment::Allow;
        plan.action = "allow";
        plan.reason = "allowed";
        if (kernel_.constantActionCache) {
            plan.guarantee = Guarantee::ConstantAction;
            plan.guaranteeText = "allowed, constant action (kernel cache skips the filter)";
        } else {
            plan.guarantee = Guarantee::FilterAllow;
            plan.guaranteeText = "allowed by the filter (no constant-action cache before 5.11)";
        }
        add(SCMP_ACT_ALLOW, plan, {}, {});
    }

    void planArguments(SyscallPlan& plan, const ArgumentRule& rule) {
        plan.treatment = Treatment::ArgumentCheck;
        plan.action = "allow if " + rule.text;
        plan.reason = "argument rule; otherwise " + profile_.defaultAction.text;
        plan.guarantee = Guarantee::FilterArgument;
        plan.guaranteeText = "argument check in filter (sound)";
        addWithArguments(SCMP_ACT_ALLOW, plan, &rule);
    }

    void planNotify(SyscallPlan& plan, const std::vector<std::string>& reasons,
                    const ArgumentRule* rule) {
        plan.reason = join(reasons);
        if (mode_ == CompileMode::StatelessSubset) {
            plan.treatment = Treatment::Deny;
            plan.action = profile_.defaultAction.text;
            plan.guarantee = Guarantee::Unavailable;
            plan.guaranteeText = "needs the supervisor; stateless subset: " + plan.action;
            return;
        }
        // Supervised sandboxes keep the notifier, which reports refusals: mamorid compiles the
        // same profile for its side and must see the same plan whatever its own privileges.
        if (kernel_.seccompEbpf && !supervised_) {
            planStateful(plan, rule);
            return;
        }
        plan.treatment = Treatment::Notify;
        plan.action = "notify";
        describeNotify(plan);
        // Supervised, the default is USER_NOTIF already: register rules then only send the
        // calls that pass them, and the rest reach the supervisor as violations.
        addWithArguments(SCMP_ACT_NOTIFY, plan, rule);
    }

    // The classic filter lets the call through (register rules still apply) and the
    // seccomp-eBPF filter stacked on it decides.
    void planStateful(SyscallPlan& plan, const ArgumentRule* rule) {
        plan.treatment = Treatment::Stateful;
        plan.action = "seccomp-eBPF filter";
        plan.guarantee = Guarantee::EbpfFilter;
        plan.guaranteeText = plan.pathPrefix
                                 ? "in the kernel's seccomp-eBPF filter; a path refused is "
                                   "refused soundly, a path allowed may still be rewritten by "
                                   "another thread after the check (TOCTOU)"
                                 : "in the kernel's seccomp-eBPF filter (sound)";
        addWithArguments(SCMP_ACT_ALLOW, plan, rule);
    }

    void describeNotify(SyscallPlan& plan) const {
        if (!kernel_.userNotif) {
            plan.guarantee = Guarantee::Unavailable;
            plan.guaranteeText = "needs the supervisor, but this kernel has no user notifier";
            return;
        }
        if (plan.pathPrefix) {
            plan.guarantee = Guarantee::SupervisorUnsafe;
            plan.guaranteeText = "pointer check through the notifier: TOCTOU-unsafe (without "
                                 "mamorid, a kernel with the seccomp-eBPF patches checks it in "
                                 "the kernel)";
            return;
        }
        if (!plan.serializedWith.empty()) {
            plan.guarantee = Guarantee::SupervisorUnsafe;
            plan.guaranteeText = "serialization through the notifier: best effort (it never "
                                 "learns when a continued call ends); sound in the seccomp-eBPF "
                                 "filter used without mamorid on a patched kernel";
            return;
        }
        plan.guarantee = Guarantee::Supervisor;
        plan.guaranteeText = "needs the supervisor (" + plan.reason + ")";
    }

    // For each phase after the first: a filter that allows everything except what the first
    // filter lets through only for the phases before it.
    std::vector<PhaseFilter> compilePhaseFilters(const Plan& plan) const {
        std::vector<PhaseFilter> filters;
        for (size_t k = 1; k < profile_.phases.size(); ++k) {
            filters.push_back(compilePhaseFilter(plan, k));
        }
        return filters;
    }

    PhaseFilter compilePhaseFilter(const Plan& plan, size_t index) const {
        const Phase& phase = profile_.phases[index];
        PhaseFilter result;
        result.name = phase.name;
        result.explicitTrigger = phase.entry && phase.entry->kind == TriggerKind::Explicit;
        if (phase.entry && !result.explicitTrigger) {
            result.syscall = SyscallGroups::resolve(phase.entry->syscall);
        }
        std::set<std::string> stillAllowed;
        for (size_t j = index; j < profile_.phases.size(); ++j) {
            for (const auto& entry : ProfileBuilder::allowedIn(profile_, profile_.phases[j])) {
                stillAllowed.insert(entry.first);
            }
        }
        SeccompFilter filter(SCMP_ACT_ALLOW);
        filter.setAttribute(SCMP_FLTATR_CTL_OPTIMIZE, 2);
        const std::uint32_t refuse = scmpAction(profile_.defaultAction);
        for (const auto& row : plan.syscalls) {
            if (row.treatment == Treatment::Deny || row.name == "seccomp" ||
                stillAllowed.contains(row.name)) {
                continue;
            }
            if (const int rc = filter.addRule(refuse, row.number, {}); rc < 0) {
                throw KeyFileError(
                    phase.entry->origin.file, phase.entry->origin.line,
                    row.name + ": libseccomp rejected the phase rule: " + std::strerror(-rc));
            }
            result.refused.push_back(row.name);
        }
        result.bpf = filter.exportBpf();
        return result;
    }

    const Profile& profile_;
    const KernelSeccomp& kernel_;
    CompileMode mode_;
    bool supervised_;
    std::uint32_t defaultAction_;
    SeccompFilter filter_;
};

} // namespace

FilterCompiler::FilterCompiler(KernelSeccomp kernel)
    : kernel_(std::move(kernel)) {}

CompiledProfile FilterCompiler::compile(const Profile& profile, CompileMode mode) const {
    return Compilation(profile, kernel_, mode).run();
}

SyscallPlan FilterCompiler::unnamed(const Profile& profile, const std::string& syscall) {
    SyscallPlan plan;
    plan.name = syscall;
    plan.number = SyscallGroups::resolve(syscall);
    plan.treatment = Treatment::Deny;
    plan.action = profile.defaultAction.text;
    plan.reason = "not named by the profile";
    plan.rule = "DefaultAction";
    plan.guarantee = Guarantee::FilterDeny;
    plan.guaranteeText = refusal(profile.defaultAction);
    return plan;
}

} // namespace mamori::sandbox
