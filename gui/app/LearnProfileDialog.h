// Learning a sandbox profile from the Sandboxes page: the user names the profile and the
// program; `mamori-run --learn` (through pkexec: its recorder is a BPF program) runs the program
// while recording what it needs (as root, like the learner itself), and writes the profile to
// the user's profile folder when the program ends. Its summary appears as it comes.
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
