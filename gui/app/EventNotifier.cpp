#include "EventNotifier.h"

#include "DesktopNotifications.h"
#include "DnsState.h"
#include "QtNames.h"
#include "SandboxState.h"
#include "common/Names.h"

namespace mamori::gui {

EventNotifier::EventNotifier(DnsState& dns, SandboxState& sandbox,
                             DesktopNotifications& notifications, QObject* parent)
    : QObject(parent)
    , notifications_(notifications) {
    connect(&dns, &DnsState::exposureWarning, this, &EventNotifier::onExposureWarning);
    connect(&dns, &DnsState::dohDetected, this, &EventNotifier::onDohDetected);
    connect(&sandbox, &SandboxState::violation, this, &EventNotifier::onViolation);
}

void EventNotifier::onExposureWarning(const QString& resolver, const QString& source, double bits,
                                      qulonglong domains, double threshold) {
    const QString seen =
        source == qtName(names::dns::kSourceBypassing)
            ? tr("Asked directly by apps that bypass Mamori, %1 has seen %n distinct site(s)", "",
                 int(domains))
            : tr("Through Mamori, the resolver %1 has seen %n distinct site(s)", "", int(domains));
    post(exposure_, tr("%1 knows a lot about your browsing").arg(resolver),
         seen.arg(resolver) +
             tr(": %1 bits of information, over your threshold of %2 bits. Spread your apps over "
                "more resolvers on the DNS page, or forget what it learned.")
                 .arg(bits, 0, 'f', 1)
                 .arg(threshold, 0, 'f', 1));
}

void EventNotifier::onDohDetected(const QString& app, const QString& server, const QString&) {
    post(doh_, tr("%1 looks up names on its own").arg(app),
         tr("%1 sends its DNS questions over HTTPS to %2, past Mamori's resolvers. The DNS page "
            "shows what it asks when Mamori can read it.")
             .arg(app, server));
}

void EventNotifier::onViolation(const SandboxViolation& violation) {
    post(violations_, tr("%1 was stopped from doing something").arg(violation.app),
         tr("Its sandbox refused “%1” (rule %2; %3).")
             .arg(violation.syscall, violation.rule, violation.action));
}

void EventNotifier::post(NotificationRateLimiter& limiter, const QString& summary, QString body) {
    if (!limiter.allow(NotificationRateLimiter::Clock::now())) {
        return;
    }
    if (const auto held = limiter.heldBack(); held > 0) {
        body += QLatin1Char('\n') + tr("(%n more like it were not shown.)", "", int(held));
    }
    notifications_.post({summary,
                         body,
                         QStringLiteral("security-medium"),
                         {},
                         DesktopNotifications::Urgency::Normal,
                         0});
    Q_EMIT posted(summary, body);
}

} // namespace mamori::gui
