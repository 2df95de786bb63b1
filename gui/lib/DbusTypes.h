// Qt types for the structured D-Bus values of Mamori's API, registered with QtDBus so the
// generated proxies can marshal them.
#pragma once

#include <QDBusArgument>
#include <QMap>
#include <QMetaType>
#include <QString>

namespace mamori::gui {

// One entry of Manager.Features: (available, detail).
struct FeatureState {
    bool available = false;
    QString detail;
};

void registerDbusTypes();

} // namespace mamori::gui

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::FeatureState& state);
const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::FeatureState& state);

using MamoriFeatureMap = QMap<QString, mamori::gui::FeatureState>;
using MamoriEngineMap = QMap<QString, bool>;
Q_DECLARE_METATYPE(mamori::gui::FeatureState)
Q_DECLARE_METATYPE(MamoriFeatureMap)
Q_DECLARE_METATYPE(MamoriEngineMap)
