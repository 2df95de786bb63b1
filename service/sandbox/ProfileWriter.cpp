#include "sandbox/ProfileWriter.h"

#include <stdexcept>

namespace mamori::sandbox {
namespace {

// Builds the text group by group; a group is only written when it gets an entry, so a profile
// without limits has no empty [Limits].
class Writer {
public:
    void comment(std::string_view text) {
        while (!text.empty()) {
            const auto end = text.find('\n');
            const std::string_view line = text.substr(0, end);
            out_ += line.empty() ? "#\n" : "# " + std::string(line) + "\n";
            text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        }
    }

    void group(std::string name) { pending_ = std::move(name); }

    void entry(const std::string& key, const std::string& value) {
        // The keyfile format has no escapes: a line break would start a new entry.
        if (value.find_first_of("\r\n") != std::string::npos) {
            throw std::invalid_argument("profile value of " + key + " holds a line break");
        }
        if (!pending_.empty()) {
            out_ += (out_.empty() ? "[" : "\n[") + pending_ + "]\n";
            pending_.clear();
        }
        out_ += key + "=" + value + "\n";
    }

    void optional(const std::string& key, const std::string& value) {
        if (!value.empty()) {
            entry(key, value);
        }
    }

    std::string take() { return std::move(out_); }

private:
    std::string out_;
    std::string pending_;
};

// Profile maps are keyed by name, so the names come out sorted.
std::string names(const std::map<std::string, RuleRef>& syscalls) {
    std::string list;
    for (const auto& entry : syscalls) {
        list += (list.empty() ? "" : ";") + entry.first;
    }
    return list;
}

void writeApplication(Writer& w, const Profile& p) {
    w.group("Application");
    w.optional("Id", p.id);
    w.optional("Binary", p.binary);
}

void writeSyscalls(Writer& w, const Profile& p) {
    w.group("Syscalls");
    w.entry("DefaultAction", p.defaultAction.text);
    // The deny action defaults to the default action; say it only when it matters.
    if (!p.deny.empty() || p.denyAction.text != p.defaultAction.text) {
        w.entry("DenyAction", p.denyAction.text);
    }
    if (p.allowUnsafePointerChecks) {
        w.entry("AllowUnsafePointerChecks", "true");
    }
    w.optional("Allow", names(p.allow));
    w.optional("Deny", names(p.deny));
}

std::string switchText(const PhaseSwitch& entry) {
    return entry.kind == TriggerKind::Explicit ? "explicit" : "first:" + entry.syscall;
}

void writePhases(Writer& w, const Profile& p) {
    if (p.phases.empty()) {
        return;
    }
    std::string order;
    for (const auto& phase : p.phases) {
        order += (order.empty() ? "" : ";") + phase.name;
    }
    w.group("Phases");
    w.entry("Order", order);
    for (const auto& phase : p.phases) {
        if (phase.entry) {
            w.entry("Switch." + phase.name, switchText(*phase.entry));
        }
    }
    for (const auto& phase : p.phases) {
        w.group("Phase " + phase.name);
        w.optional("Allow", names(phase.allow));
    }
}

void writeLimits(Writer& w, const Profile& p) {
    w.group("Limits");
    for (const auto& [syscall, limit] : p.limits) {
        w.entry(syscall, std::to_string(limit.count));
    }
}

void writePairs(Writer& w, const Profile& p) {
    std::string pairs;
    for (const auto& pair : p.pairs) {
        pairs += (pairs.empty() ? "" : ";") + pair.first + "|" + pair.second;
    }
    w.group("Serialize");
    w.optional("Pairs", pairs);
}

void writeArguments(Writer& w, const Profile& p) {
    w.group("Arguments");
    for (const auto& [syscall, rule] : p.arguments) {
        w.entry(syscall, rule.text);
    }
}

} // namespace

std::string writeProfile(const Profile& profile, std::string_view comment) {
    Writer w;
    w.comment(comment);
    writeApplication(w, profile);
    writeSyscalls(w, profile);
    writePhases(w, profile);
    writeLimits(w, profile);
    writePairs(w, profile);
    writeArguments(w, profile);
    return w.take();
}

} // namespace mamori::sandbox
