// One interface of one of mamorid's objects, seen from the Qt side without blocking: its
// properties fetched with an asynchronous GetAll (again on PropertiesChanged, on refresh() for
// the properties that do not announce changes, and whenever the service comes back) and its
// methods called asynchronously (callMamori). Cleared while the service is not running.
#pragma once

#include "AsyncCall.h"

#include <QObject>
#include <QString>
#include <QVariantList>
#include <QVariantMap>
#include <QtDBus/QDBusArgument>
#include <functional>

namespace mamori::gui {

class ServiceWatcher;

class RemoteInterface : public QObject {
    Q_OBJECT
public:
    RemoteInterface(ServiceWatcher& service, QString path, QString interface,
                    QObject* parent = nullptr);

    // Fetches every property again (asynchronously); changed() follows.
    void refresh();
    bool loaded() const { return loaded_; }

    template <typename T> T value(const QString& name) const {
        return qdbus_cast<T>(values_.value(name));
    }

    void call(const QString& method, const QVariantList& arguments, CallMode mode, CallDone done);
    const QString& path() const { return path_; }

    // A change the user asked for (polkit may ask them to authenticate): then actionSucceeded,
    // after which the properties are fetched again, or actionFailed with what went wrong.
    void userAction(const QString& method, const QVariantList& arguments);
    // The same on another of mamorid's objects (a device); this interface is fetched again.
    void userAction(const QString& path, const QString& interface, const QString& method,
                    const QVariantList& arguments);

    // A question the user asked that returns something and that polkit may have to authorize
    // (reading the stored device rules): `replied` gets the reply, or actionFailed says why not.
    void userQuery(const QString& method, const QVariantList& arguments,
                   std::function<void(const QDBusMessage& reply)> replied);

Q_SIGNALS:
    // The property values changed (or were cleared because the service went away).
    void changed();
    void actionSucceeded(const QString& action);
    void actionFailed(const QString& action, const QString& message);

private Q_SLOTS:
    void onPropertiesChanged(const QString& interface, const QVariantMap& changedValues,
                             const QStringList& invalidated);

private:
    void clear();

    ServiceWatcher& service_;
    QString path_;
    QString interface_;
    QVariantMap values_;
    bool loaded_ = false;
    // Replies to GetAll calls made before the latest are stale and dropped.
    quint64 generation_ = 0;
};

} // namespace mamori::gui
