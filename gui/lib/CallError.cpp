#include "CallError.h"

#include "QtNames.h"

#include <QCoreApplication>

namespace mamori::gui {

QString describeCallError(const QDBusError& error) {
    const QString name = error.name();
    const QString detail = error.message();
    if (name == qtName(names::error::kAccessDenied)) {
        return QCoreApplication::translate("CallError", "Not authorized: %1").arg(detail);
    }
    if (name == qtName(names::error::kServiceUnknown) ||
        name == qtName(names::error::kNameHasNoOwner) || error.type() == QDBusError::NoReply ||
        error.type() == QDBusError::Disconnected) {
        return QCoreApplication::translate("CallError", "The Mamori service is not running.");
    }
    return detail.isEmpty() ? name : detail;
}

} // namespace mamori::gui
