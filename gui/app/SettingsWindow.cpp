#include "SettingsWindow.h"

#include "AboutPage.h"
#include "DevicesPage.h"
#include "DnsPage.h"
#include "SandboxesPage.h"
#include "ServiceStates.h"

#include <QLabel>
#include <QMap>
#include <QScrollArea>
#include <QTabWidget>
#include <QVBoxLayout>

namespace mamori::gui {

namespace {

// Pages are taller than a small screen: each scrolls on its own.
QScrollArea* scrolled(QWidget* page, QWidget* parent) {
    auto* area = new QScrollArea(parent);
    area->setWidget(page);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

} // namespace

SettingsWindow::SettingsWindow(ServiceStates& states, QWidget* parent)
    : QWidget(parent) {
    setWindowTitle(tr("Mamori"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/mamori.svg")));
    resize(900, 720);
    auto* layout = new QVBoxLayout(this);
    banner_ = new QLabel(
        tr("The Mamori service is not running, so nothing is protected and nothing can be "
           "changed here. Start it with “sudo systemctl start mamorid” (or "
           "scripts/run-mamori.sh); this window follows it when it appears."),
        this);
    banner_->setWordWrap(true);
    banner_->setStyleSheet(
        QStringLiteral("background: #fff3cd; color: #5c4400; padding: 8px; border-radius: 4px;"));
    banner_->setAccessibleName(tr("Service not running"));
    layout->addWidget(banner_);

    tabs_ = new QTabWidget(this);
    tabs_->setAccessibleName(tr("Settings pages"));
    dns_ = new DnsPage(states.dns);
    devices_ = new DevicesPage(states.devices, states.deviceModel);
    sandboxes_ = new SandboxesPage(states.sandbox);
    about_ = new AboutPage(states.manager);
    tabs_->addTab(scrolled(dns_, tabs_), tr("&DNS"));
    tabs_->addTab(scrolled(devices_, tabs_), tr("De&vices"));
    tabs_->addTab(scrolled(sandboxes_, tabs_), tr("Sand&boxes"));
    tabs_->addTab(scrolled(about_, tabs_), tr("Abou&t"));
    layout->addWidget(tabs_, 1);

    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setAccessibleName(tr("Outcome of the last change"));
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message_);

    const auto outcomes = [this](auto* state) {
        connect(state, &std::remove_pointer_t<decltype(state)>::actionFailed, this,
                &SettingsWindow::showOutcome);
        connect(state, &std::remove_pointer_t<decltype(state)>::actionSucceeded, this,
                [this](const QString& action) { showOutcome(action, QString()); });
    };
    outcomes(&states.dns);
    outcomes(&states.devices);
    outcomes(&states.sandbox);
    outcomes(&states.manager);

    const auto followService = [this](bool running) {
        banner_->setVisible(!running);
        tabs_->setEnabled(running);
    };
    connect(&states.service, &ServiceWatcher::runningChanged, this, followService);
    followService(states.service.running());
}

void SettingsWindow::showPage(Page page) {
    tabs_->setCurrentIndex(static_cast<int>(page));
}

QWidget* SettingsWindow::page(Page page) const {
    return tabs_->widget(static_cast<int>(page));
}

QString SettingsWindow::message() const {
    return message_->text();
}

bool SettingsWindow::serviceBannerShown() const {
    return !banner_->isHidden();
}

std::optional<SettingsWindow::Page> SettingsWindow::pageOfName(const QString& name) {
    const QString lower = name.toLower();
    if (lower == QStringLiteral("dns")) {
        return Page::Dns;
    }
    if (lower == QStringLiteral("devices")) {
        return Page::Devices;
    }
    if (lower == QStringLiteral("sandboxes")) {
        return Page::Sandboxes;
    }
    if (lower == QStringLiteral("about")) {
        return Page::About;
    }
    return std::nullopt;
}

QString SettingsWindow::actionWords(const QString& action) {
    static const QMap<QString, const char*> words = {
        {QStringLiteral("SetAssignment"), QT_TR_NOOP("Choosing the app's resolver")},
        {QStringLiteral("SetDefaultTarget"), QT_TR_NOOP("Choosing the resolver for all apps")},
        {QStringLiteral("SetExposureThreshold"), QT_TR_NOOP("Setting the warning threshold")},
        {QStringLiteral("ResetExposure"), QT_TR_NOOP("Forgetting what resolvers learned")},
        {QStringLiteral("Authorize"), QT_TR_NOOP("Allowing the device")},
        {QStringLiteral("Block"), QT_TR_NOOP("Blocking the device")},
        {QStringLiteral("SetDefaultPolicy"), QT_TR_NOOP("Changing what new devices do")},
        {QStringLiteral("SetBluetoothBlocked"), QT_TR_NOOP("Switching Bluetooth")},
        {QStringLiteral("AllowAll"), QT_TR_NOOP("Allowing every new device for a while")},
        {QStringLiteral("ListRules"), QT_TR_NOOP("Reading the remembered devices")},
        {QStringLiteral("RemoveRule"), QT_TR_NOOP("Forgetting the remembered device")},
        {QStringLiteral("InstallProfile"), QT_TR_NOOP("Installing the profile")},
        {QStringLiteral("RemoveProfile"), QT_TR_NOOP("Removing the profile")},
        {QStringLiteral("SetEngineEnabled"), QT_TR_NOOP("Switching the protection")},
    };
    const char* text = words.value(action);
    return text == nullptr ? action : tr(text);
}

void SettingsWindow::showOutcome(const QString& action, const QString& error) {
    if (error.isEmpty()) {
        message_->setStyleSheet(QString());
        message_->setText(tr("%1: done.").arg(actionWords(action)));
        return;
    }
    message_->setStyleSheet(QStringLiteral("color: #a40000;"));
    message_->setText(tr("%1 failed: %2").arg(actionWords(action), error));
}

} // namespace mamori::gui
