// The QtTest class of EnglishPluralsTest.cpp.
#pragma once

#include <QObject>
#include <QTranslator>

class EnglishPluralsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void countsReadAsEnglish_data();
    void countsReadAsEnglish();

private:
    QTranslator translator_;
};
