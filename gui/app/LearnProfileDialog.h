// Learning a sandbox profile from the Sandboxes page: the user names the profile and the
// program; `mamori-run --learn` (through pkexec: its recorder is a BPF program) runs the program
// as the user (the learner takes PKEXEC_UID) while recording what it needs, and writes the
// profile, theirs, to their profile folder when the program ends. Its report appears as it
// comes.
#pragma once

#include <QDialog>
#include <QProcess>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace mamori::gui {

class LearnProfileDialog : public QDialog {
    Q_OBJECT
public:
    explicit LearnProfileDialog(QWidget* parent = nullptr);

    // Where a learned profile NAME goes: $XDG_CONFIG_HOME/mamori/profiles/NAME.profile.
    static QString profilePath(const QString& name);
    // The checked form's command line for `program` (pkexec), or an error in words.
    struct Plan {
        QStringList arguments;
        QString error;
    };
    Plan plan(const QString& name, const QString& command, const QString& appId) const;

private:
    void start();
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QLineEdit* name_ = nullptr;
    QLineEdit* command_ = nullptr;
    QLineEdit* appId_ = nullptr;
    QPlainTextEdit* output_ = nullptr;
    QLabel* state_ = nullptr;
    QPushButton* start_ = nullptr;
    QProcess process_;
};

} // namespace mamori::gui
