// The service's events that deserve the user's attention as notifications: a resolver that
// has learned more than the threshold about the user (ExposureWarning), an app doing its own
// DoH past Mamori (DohDetected), a sandboxed program refused (Violation). Each kind is
// rate-limited on its own; what was held back is counted in the next one.
#pragma once

#include "NotificationRateLimiter.h"

#include <QObject>
#include <QString>

namespace mamori::gui {

class DesktopNotifications;
class DnsState;
class SandboxState;
struct SandboxViolation;

class EventNotifier : public QObject {
    Q_OBJECT
public:
    // Per kind: at most 3 notifications a minute.
    static constexpr std::size_t kBurst = 3;
    static constexpr std::chrono::seconds kWindow{60};

    EventNotifier(DnsState& dns, SandboxState& sandbox, DesktopNotifications& notifications,
                  QObject* parent = nullptr);

Q_SIGNALS:
    // A notification was posted (for tests and the log): its summary and body.
    void posted(const QString& summary, const QString& body);

private:
    void onExposureWarning(const QString& resolver, const QString& source, double bits,
                           qulonglong domains, double threshold);
    void onDohDetected(const QString& app, const QString& server, const QString& seenBy);
    void onViolation(const SandboxViolation& violation);
    void post(NotificationRateLimiter& limiter, const QString& summary, QString body);

    DesktopNotifications& notifications_;
    NotificationRateLimiter exposure_{kBurst, kWindow};
    NotificationRateLimiter doh_{kBurst, kWindow};
    NotificationRateLimiter violations_{kBurst, kWindow};
};

} // namespace mamori::gui
