#include "AsyncCall.h"

#include "CallError.h"
#include "QtNames.h"

#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <utility>

namespace mamori::gui {

namespace {
// polkit may wait for the user to type a password: no short timeout for their calls.
constexpr int kUserActionTimeoutMs = 5 * 60 * 1000;
} // namespace

void callMamori(const QDBusConnection& bus, const QString& path, const QString& interface,
                const QString& method, const QVariantList& arguments, CallMode mode,
                QObject* context, CallDone done) {
    callMamori(
        bus, path, interface, method, arguments, mode, context,
        [done = std::move(done)](const QDBusMessage&, const QString& error) { done(error); });
}

void callMamori(const QDBusConnection& bus, const QString& path, const QString& interface,
                const QString& method, const QVariantList& arguments, CallMode mode,
                QObject* context, CallReplied replied) {
    QDBusMessage message =
        QDBusMessage::createMethodCall(qtName(names::kBusName), path, interface, method);
    message.setArguments(arguments);
    message.setInteractiveAuthorizationAllowed(mode == CallMode::UserAction);
    const int timeoutMs = mode == CallMode::UserAction ? kUserActionTimeoutMs : -1;
    auto* watcher = new QDBusPendingCallWatcher(bus.asyncCall(message, timeoutMs), context);
    QObject::connect(watcher, &QDBusPendingCallWatcher::finished, context,
                     [replied = std::move(replied)](QDBusPendingCallWatcher* call) {
                         const QDBusPendingReply<> reply = *call;
                         call->deleteLater();
                         replied(reply.reply(),
                                 reply.isError() ? describeCallError(reply.error()) : QString());
                     });
}

} // namespace mamori::gui
