// mamori-tray_en.qm as mamori-tray loads it: counts read "1 second", "2 seconds" instead of the
// source's "second(s)", for the widgets and notifications that use them.
#include "EnglishPluralsTest.h"

#include "DeviceApprovalDialog.h"
#include "ProtectionSummary.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTest>

void EnglishPluralsTest::initTestCase() {
    QVERIFY2(translator_.load(QLocale(QLocale::English), QStringLiteral("mamori-tray"),
                              QStringLiteral("_"), QStringLiteral(MAMORI_TRAY_QM_DIR)),
             "mamori-tray_en.qm is built next to mamori-tray");
    QVERIFY(QCoreApplication::installTranslator(&translator_));
}

void EnglishPluralsTest::countsReadAsEnglish_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("countdown");
    QTest::addColumn<QString>("waiting");
    QTest::newRow("one") << 1 << "Blocked in 1 second unless you allow it."
                         << "1 device waiting for your decision.";
    QTest::newRow("two") << 2 << "Blocked in 2 seconds unless you allow it."
                         << "2 devices waiting for your decision.";
    QTest::newRow("thirty") << 30 << "Blocked in 30 seconds unless you allow it."
                            << "30 devices waiting for your decision.";
}

void EnglishPluralsTest::countsReadAsEnglish() {
    QFETCH(int, count);
    QFETCH(QString, countdown);
    QFETCH(QString, waiting);
    QCOMPARE(mamori::gui::DeviceApprovalDialog::tr("Blocked in %n second(s) unless you allow it.",
                                                   "", count),
             countdown);
    QCOMPARE(
        mamori::gui::ProtectionSummary::tr("%n device(s) waiting for your decision.", "", count),
        waiting);
}

QTEST_GUILESS_MAIN(EnglishPluralsTest)
