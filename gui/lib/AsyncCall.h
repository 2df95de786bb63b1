// One asynchronous method call to mamorid, its outcome in words. Calls the user started may
// let polkit ask for a password (CallMode::UserAction) and wait for it; nothing else may.
#pragma once

#include <QDBusConnection>
#include <QDBusMessage>
#include <QObject>
#include <QString>
#include <QVariantList>
#include <functional>

namespace mamori::gui {

enum class CallMode { Background, UserAction };
// Empty on success, else what went wrong in words (describeCallError).
using CallDone = std::function<void(const QString& error)>;
// The same with the reply, for the calls that return something (its arguments are valid only
// when `error` is empty).
using CallReplied = std::function<void(const QDBusMessage& reply, const QString& error)>;

// `done` runs on `context`'s thread, and not at all once `context` is gone.
void callMamori(const QDBusConnection& bus, const QString& path, const QString& interface,
                const QString& method, const QVariantList& arguments, CallMode mode,
                QObject* context, CallDone done);
void callMamori(const QDBusConnection& bus, const QString& path, const QString& interface,
                const QString& method, const QVariantList& arguments, CallMode mode,
                QObject* context, CallReplied replied);

} // namespace mamori::gui
