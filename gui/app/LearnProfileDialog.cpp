#include "LearnProfileDialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <array>

namespace mamori::gui {

namespace {

// What the learned program needs of the user's session to show its windows; pkexec clears it.
constexpr std::array kSessionVariables = {
    "DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY",          "XDG_RUNTIME_DIR",
    "HOME",    "LANG",       "DBUS_SESSION_BUS_ADDRESS", "XDG_CONFIG_HOME"};

QString mamoriRun() {
    const QString overridden = qEnvironmentVariable("MAMORI_RUN");
    return overridden.isEmpty() ? QStringLiteral(MAMORI_RUN_INSTALLED_PATH) : overridden;
}

} // namespace

LearnProfileDialog::LearnProfileDialog(QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Learn a sandbox profile"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("Mamori runs the program once and records what it needs. Use it as you normally "
           "would, then quit it: the profile is written when it ends. Recording needs an "
           "administrator's approval; the program itself runs as you."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    name_ = new QLineEdit(this);
    name_->setPlaceholderText(QStringLiteral("my-editor"));
    name_->setAccessibleName(tr("Profile name"));
    command_ = new QLineEdit(this);
    command_->setPlaceholderText(QStringLiteral("/usr/bin/gedit --new-window"));
    command_->setAccessibleName(tr("Program and its arguments"));
    appId_ = new QLineEdit(this);
    appId_->setPlaceholderText(QStringLiteral("org.gnome.gedit"));
    appId_->setAccessibleName(tr("Application id (optional)"));
    form->addRow(tr("Profile &name:"), name_);
    form->addRow(tr("&Program:"), command_);
    form->addRow(tr("&Application id:"), appId_);
    layout->addLayout(form);
    output_ = new QPlainTextEdit(this);
    output_->setReadOnly(true);
    output_->setAccessibleName(tr("What the learning run reports"));
    output_->setMinimumHeight(140);
    layout->addWidget(output_);
    state_ = new QLabel(this);
    state_->setWordWrap(true);
    layout->addWidget(state_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    start_ = buttons->addButton(tr("&Start learning"), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(start_, &QPushButton::clicked, this, &LearnProfileDialog::start);

    process_.setProcessChannelMode(QProcess::MergedChannels);
    connect(&process_, &QProcess::readyRead, this, [this] {
        output_->appendPlainText(QString::fromLocal8Bit(process_.readAll()).trimmed());
    });
    connect(&process_, &QProcess::finished, this, &LearnProfileDialog::onFinished);
    connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            state_->setText(tr("Could not start pkexec: %1").arg(process_.errorString()));
            start_->setEnabled(true);
        }
    });
}

QString LearnProfileDialog::profilePath(const QString& name) {
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/mamori/profiles/") + name + QStringLiteral(".profile");
}

LearnProfileDialog::Plan LearnProfileDialog::plan(const QString& name, const QString& command,
                                                  const QString& appId) const {
    static const QRegularExpression validName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*$"));
    if (!validName.match(name).hasMatch()) {
        return {{}, tr("The profile name may have letters, digits, '.', '_' and '-' only.")};
    }
    const QStringList words = QProcess::splitCommand(command);
    if (words.isEmpty()) {
        return {{}, tr("Name the program to run.")};
    }
    QStringList arguments{QStringLiteral("env")};
    for (const char* variable : kSessionVariables) {
        const QString value = qEnvironmentVariable(variable);
        if (!value.isEmpty()) {
            arguments << QString::fromLatin1(variable) + QLatin1Char('=') + value;
        }
    }
    arguments << mamoriRun() << QStringLiteral("--learn");
    if (!appId.isEmpty()) {
        arguments << QStringLiteral("--app-id") << appId;
    }
    arguments << profilePath(name) << QStringLiteral("--") << words;
    return {arguments, {}};
}

void LearnProfileDialog::start() {
    const Plan planned = plan(name_->text().trimmed(), command_->text(), appId_->text().trimmed());
    if (!planned.error.isEmpty()) {
        state_->setText(planned.error);
        return;
    }
    QDir().mkpath(QFileInfo(profilePath(name_->text().trimmed())).absolutePath());
    output_->clear();
    state_->setText(tr("Learning: use the program, then quit it."));
    start_->setEnabled(false);
    process_.start(QStringLiteral("pkexec"), planned.arguments);
}

void LearnProfileDialog::onFinished(int exitCode, QProcess::ExitStatus status) {
    start_->setEnabled(true);
    const QString path = profilePath(name_->text().trimmed());
    if (status == QProcess::NormalExit && QFileInfo::exists(path) && exitCode != 126 &&
        exitCode != 127) {
        state_->setText(tr("Profile written to %1. Run the program in it with: mamori-run %2 -- %3")
                            .arg(path, name_->text().trimmed(), command_->text()));
        return;
    }
    if (exitCode == 126 || exitCode == 127) {
        state_->setText(tr("Not learned: the administrator's approval was not given."));
        return;
    }
    state_->setText(tr("Not learned (exit status %1); see the report above.").arg(exitCode));
}

} // namespace mamori::gui
