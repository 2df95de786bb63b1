// The three answers to a device asking for approval, as the popup and the fallback dialog
// offer them, and the action keys they have in a notification.
#pragma once

#include <QString>
#include <optional>

namespace mamori::gui {

enum class ApprovalDecision { AllowOnce, AlwaysAllow, Block };

inline QString actionKey(ApprovalDecision decision) {
    switch (decision) {
    case ApprovalDecision::AllowOnce:
        return QStringLiteral("allow-once");
    case ApprovalDecision::AlwaysAllow:
        return QStringLiteral("allow-always");
    case ApprovalDecision::Block:
        return QStringLiteral("block");
    }
    return QStringLiteral("block");
}

// "default" is what servers send for a click on the notification's body: Block, never an
// approval nobody chose.
inline std::optional<ApprovalDecision> decisionOfKey(const QString& key) {
    for (const auto decision :
         {ApprovalDecision::AllowOnce, ApprovalDecision::AlwaysAllow, ApprovalDecision::Block}) {
        if (actionKey(decision) == key) {
            return decision;
        }
    }
    if (key == QStringLiteral("default")) {
        return ApprovalDecision::Block;
    }
    return std::nullopt;
}

} // namespace mamori::gui
