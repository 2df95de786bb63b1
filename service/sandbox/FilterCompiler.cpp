#include "sandbox/FilterCompiler.h"

#include "common/KeyFile.h"
#include "sandbox/ProfileBuilder.h"
#include "sandbox/SyscallGroups.h"

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

// Fills the supervisor's inputs and returns the reasons the syscall cannot stay in the filter.
std::vector<std::string> statefulReasons(const Profile& profile, SyscallPlan& plan) {
    std::vector<std::string> reasons;
    for (const auto& phase : profile.phases) {
        if (ProfileBuilder::allowedIn(profile, phase).contains(plan.name)) {
            plan.phases.push_back(phase.name);
        }
        if (phase.entry && phase.entry->kind == TriggerKind::FirstCall &&
            phase.entry->syscall == plan.name) {
            plan.entersPhases.push_back(phase.name);
            reasons.push_back("first call switches to phase " + phase.name);
        }
    }
    if (!profile.phases.empty() && plan.phases.size() < profile.phases.size()) {
        reasons.push_back("allowed only in phase " + join(plan.phases));
    }
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

class Compilation {
public:
    Compilation(const Profile& profile, const KernelSeccomp& kernel, CompileMode mode)
        : profile_(profile)
        , kernel_(kernel)
        , mode_(mode)
        , defaultAction_(scmpAction(profile.defaultAction))
        , filter_(defaultAction_) {
        // 2 = binary tree by syscall number: a few compares per syscall instead of a linear walk.
        filter_.setAttribute(SCMP_FLTATR_CTL_OPTIMIZE, 2);
    }

    CompiledProfile run() {
        Plan plan{
            profile_.name, profile_.defaultAction.text, mode_ == CompileMode::StatelessSubset, {}};
        for (const auto& name : namedSyscalls(profile_)) {
            plan.syscalls.push_back(planFor(name));
        }
        return {std::move(filter_), std::move(plan)};
    }

private:
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
        plan.rule = ruleText(profile_, name);
        const auto reasons = statefulReasons(profile_, plan);
        const auto arg = profile_.arguments.find(name);
        const ArgumentRule* rule = arg == profile_.arguments.end() ? nullptr : &arg->second;
        if (!reasons.empty()) {
            planNotify(plan, reasons, rule);
        } else if (rule != nullptr) {
            planArguments(plan, *rule);
        } else {
            planAllow(plan);
        }
        return plan;
    }

    void planDeny(SyscallPlan& plan, const RuleRef& ref) {
        plan.treatment = Treatment::Deny;
        plan.action = profile_.denyAction.text;
        plan.reason = "denied";
        plan.rule = ref.str();
        plan.guarantee = Guarantee::FilterDeny;
        plan.guaranteeText = refusal(profile_.denyAction);
        add(scmpAction(profile_.denyAction), plan, {}, ref.origin);
    }

    void planAllow(SyscallPlan& plan) {
        plan.treatment = Treatment::Allow;
        plan.action = "allow";
        plan.reason = "allowed in every phase";
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
        plan.treatment = Treatment::Notify;
        plan.action = "notify";
        describeNotify(plan);
        addWithArguments(SCMP_ACT_NOTIFY, plan, rule);
    }

    void describeNotify(SyscallPlan& plan) const {
        if (!kernel_.userNotif) {
            plan.guarantee = Guarantee::Unavailable;
            plan.guaranteeText = "needs the supervisor, but this kernel has no user notifier";
            return;
        }
        if (plan.pathPrefix && !kernel_.seccompEbpf) {
            plan.guarantee = Guarantee::SupervisorUnsafe;
            plan.guaranteeText = "pointer check through the notifier: TOCTOU-unsafe on this "
                                 "kernel; sound only with the seccomp-eBPF patch";
            return;
        }
        if (!plan.serializedWith.empty() && !kernel_.seccompEbpf) {
            plan.guarantee = Guarantee::SupervisorUnsafe;
            plan.guaranteeText = "serialization through the notifier: best effort (it never "
                                 "learns when a continued call ends); sound only with the "
                                 "seccomp-eBPF patch";
            return;
        }
        plan.guarantee = Guarantee::Supervisor;
        plan.guaranteeText = "needs the supervisor (" + plan.reason + ")";
    }

    const Profile& profile_;
    const KernelSeccomp& kernel_;
    CompileMode mode_;
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
