#include "AboutPage.h"

#include "ManagerState.h"
#include "QtNames.h"
#include "TableView.h"
#include "common/Names.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

namespace mamori::gui {

AboutPage::AboutPage(ManagerState& manager, QWidget* parent)
    : QWidget(parent)
    , manager_(manager)
    , featureModel_(manager) {
    auto* layout = new QVBoxLayout(this);
    versions_ = new QLabel(this);
    versions_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(versions_);

    auto* enginesBox = new QGroupBox(tr("Protection"), this);
    auto* enginesLayout = new QVBoxLayout(enginesBox);
    const auto addEngine = [&](std::string_view engine, const QString& text) {
        auto* box = new QCheckBox(text, enginesBox);
        box->setAccessibleName(text);
        enginesLayout->addWidget(box);
        engines_.insert(qtName(engine), box);
        connect(box, &QCheckBox::clicked, this,
                [this, engine](bool on) { manager_.setEngineEnabled(qtName(engine), on); });
    };
    addEngine(names::engine::kDns, tr("&Private DNS for every app"));
    addEngine(names::engine::kDevices, tr("&USB and Bluetooth protection"));
    addEngine(names::engine::kSandbox, tr("&Sandboxes for apps with a profile"));
    layout->addWidget(enginesBox);

    auto* featuresBox = new QGroupBox(tr("What this computer's kernel offers"), this);
    auto* featuresLayout = new QVBoxLayout(featuresBox);
    featuresView_ =
        new TableView(featureModel_,
                      {{tr("Feature"), FeatureModel::NameRole, {}},
                       {tr("Available"), FeatureModel::AvailableRole, &RoleColumnsProxy::yesNo},
                       {tr("Detail"), FeatureModel::DetailRole, {}}},
                      tr("Kernel features"), featuresBox);
    featuresLayout->addWidget(featuresView_);
    layout->addWidget(featuresBox, 1);

    connect(&manager_, &ManagerState::changed, this, &AboutPage::reload);
    reload();
}

void AboutPage::reload() {
    const QString daemon = manager_.daemonVersion();
    versions_->setText(tr("Mamori tray %1; service %2")
                           .arg(QCoreApplication::applicationVersion(),
                                daemon.isEmpty() ? tr("not running") : daemon));
    const MamoriEngineMap engines = manager_.engines();
    for (auto it = engines_.cbegin(); it != engines_.cend(); ++it) {
        it.value()->setEnabled(engines.contains(it.key()));
        it.value()->setChecked(engines.value(it.key()));
    }
}

} // namespace mamori::gui
