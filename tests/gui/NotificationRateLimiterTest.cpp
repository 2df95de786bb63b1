// NotificationRateLimiter on a clock the test moves: a burst passes, the rest of the window is
// held back, and the next notification let through says how many were.
#include "NotificationRateLimiterTest.h"

#include "NotificationRateLimiter.h"

#include <QTest>

using mamori::gui::NotificationRateLimiter;
using namespace std::chrono_literals;

void NotificationRateLimiterTest::letsABurstThroughThenHoldsBack_data() {
    QTest::addColumn<int>("burst");
    QTest::addColumn<int>("events");
    QTest::addColumn<int>("spacingMs");
    QTest::addColumn<int>("expectedShown");
    QTest::newRow("a flood within the window") << 3 << 100 << 10 << 3;
    QTest::newRow("slower than the window") << 3 << 10 << 25'000 << 10;
    QTest::newRow("one every 20 s, burst 1") << 1 << 6 << 20'000 << 2;
    QTest::newRow("exactly the burst") << 3 << 3 << 0 << 3;
}

void NotificationRateLimiterTest::letsABurstThroughThenHoldsBack() {
    QFETCH(int, burst);
    QFETCH(int, events);
    QFETCH(int, spacingMs);
    QFETCH(int, expectedShown);
    NotificationRateLimiter limiter(std::size_t(burst), 60s);
    auto now = NotificationRateLimiter::Clock::time_point{} + 1h;
    int shown = 0;
    for (int i = 0; i < events; ++i) {
        shown += limiter.allow(now) ? 1 : 0;
        now += std::chrono::milliseconds(spacingMs);
    }
    QCOMPARE(shown, expectedShown);
}

void NotificationRateLimiterTest::countsWhatWasHeldBackInTheNextOne() {
    NotificationRateLimiter limiter(2, 60s);
    const auto start = NotificationRateLimiter::Clock::time_point{} + 1h;
    QVERIFY(limiter.allow(start));
    QVERIFY(limiter.allow(start + 1s));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(!limiter.allow(start + 2s));
    }
    QVERIFY(limiter.allow(start + 61s));
    QCOMPARE(limiter.heldBack(), std::size_t(5));
    QVERIFY(limiter.allow(start + 62s));
    QCOMPARE(limiter.heldBack(), std::size_t(0));
}

QTEST_APPLESS_MAIN(NotificationRateLimiterTest)
