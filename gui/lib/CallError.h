// What a failed call to mamorid means to the person who asked for it, in words: authorization
// refused, the service not running, or mamorid's own explanation of what was wrong.
#pragma once

#include <QDBusError>
#include <QString>

namespace mamori::gui {

QString describeCallError(const QDBusError& error);

} // namespace mamori::gui
