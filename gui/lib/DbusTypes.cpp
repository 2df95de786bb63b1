#include "DbusTypes.h"

#include <QDBusMetaType>

namespace mamori::gui {

void registerDbusTypes() {
    qDBusRegisterMetaType<FeatureState>();
    qDBusRegisterMetaType<MamoriFeatureMap>();
    qDBusRegisterMetaType<MamoriEngineMap>();
}

} // namespace mamori::gui

QDBusArgument& operator<<(QDBusArgument& argument, const mamori::gui::FeatureState& state) {
    argument.beginStructure();
    argument << state.available << state.detail;
    argument.endStructure();
    return argument;
}

const QDBusArgument& operator>>(const QDBusArgument& argument, mamori::gui::FeatureState& state) {
    argument.beginStructure();
    argument >> state.available >> state.detail;
    argument.endStructure();
    return argument;
}
