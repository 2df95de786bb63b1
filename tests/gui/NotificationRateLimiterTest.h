// The QtTest class of NotificationRateLimiterTest.cpp.
#pragma once

#include <QObject>

class NotificationRateLimiterTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void letsABurstThroughThenHoldsBack_data();
    void letsABurstThroughThenHoldsBack();
    void countsWhatWasHeldBackInTheNextOne();
};
