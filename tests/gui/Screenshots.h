// Where the GUI tests save what they rendered: MAMORI_SCREENSHOT_DIR (docs/screenshots to
// refresh the committed ones), else the build tree's screenshots/.
#pragma once

#include <QDir>
#include <QString>

inline QString screenshotDir() {
    QString dir = qEnvironmentVariable("MAMORI_SCREENSHOT_DIR",
                                       QStringLiteral(MAMORI_SCREENSHOT_DEFAULT_DIR));
    QDir().mkpath(dir);
    return dir;
}
