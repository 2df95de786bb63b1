#include "DnsPage.h"

#include "DnsState.h"
#include "ExposureChart.h"
#include "QtNames.h"
#include "TableView.h"
#include "common/Names.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace mamori::gui {

namespace {

QString shard() {
    return qtName(names::dns::kShardTarget);
}

} // namespace

DnsPage::DnsPage(DnsState& dns, QWidget* parent)
    : QWidget(parent)
    , dns_(dns)
    , resolverModel_(dns)
    , appModel_(dns)
    , exposureModel_(dns)
    , dohModel_(dns) {
    auto* layout = new QVBoxLayout(this);

    auto* resolversBox = new QGroupBox(tr("Resolvers"), this);
    auto* resolversLayout = new QVBoxLayout(resolversBox);
    resolversView_ =
        new TableView(resolverModel_,
                      {{tr("Name"), ResolverModel::NameRole, {}},
                       {tr("Address"), ResolverModel::AddressRole, {}},
                       {tr("Protocol"), ResolverModel::ProtocolRole, {}},
                       {tr("TLS name"), ResolverModel::TlsNameRole, {}},
                       {tr("Answering"), ResolverModel::HealthyRole, &RoleColumnsProxy::yesNo},
                       {tr("In the shard"), ResolverModel::InShardRole, &RoleColumnsProxy::yesNo}},
                      tr("Resolvers"), resolversBox);
    resolversLayout->addWidget(resolversView_);
    auto* defaultForm = new QFormLayout;
    defaultTarget_ = new QComboBox(resolversBox);
    defaultTarget_->setAccessibleName(tr("Resolver for apps without their own choice"));
    defaultForm->addRow(tr("&Apps without their own choice use:"), defaultTarget_);
    resolversLayout->addLayout(defaultForm);
    layout->addWidget(resolversBox);
    connect(defaultTarget_, &QComboBox::activated, this, [this](int index) {
        dns_.setDefaultTarget(defaultTarget_->itemData(index).toString());
    });

    auto* appsBox = new QGroupBox(tr("Apps"), this);
    auto* appsLayout = new QVBoxLayout(appsBox);
    appsView_ = new TableView(
        appModel_,
        {{tr("App"), AppAssignmentModel::AppRole, {}},
         {tr("Chosen"), AppAssignmentModel::AssignedTargetRole,
          [](const QVariant& v) -> QVariant { return v.toString().isEmpty() ? tr("default") : v; }},
         {tr("Uses"), AppAssignmentModel::EffectiveTargetRole, {}},
         {tr("Queries"), AppAssignmentModel::QueriesRole, {}},
         {tr("Last query"), AppAssignmentModel::LastQueryRole, &RoleColumnsProxy::dateTime}},
        tr("Apps and their resolver"), appsBox);
    appsLayout->addWidget(appsView_);
    auto* assignRow = new QHBoxLayout;
    auto* assignLabel = new QLabel(tr("&Resolver for the selected app:"), appsBox);
    appTarget_ = new QComboBox(appsBox);
    appTarget_->setAccessibleName(tr("Resolver for the selected app"));
    assignLabel->setBuddy(appTarget_);
    assign_ = new QPushButton(tr("A&ssign"), appsBox);
    assign_->setEnabled(false);
    assignRow->addWidget(assignLabel);
    assignRow->addWidget(appTarget_, 1);
    assignRow->addWidget(assign_);
    appsLayout->addLayout(assignRow);
    layout->addWidget(appsBox);
    connect(appsView_, &TableView::selectedRowChanged, this,
            [this](int row) { assign_->setEnabled(row >= 0); });
    connect(assign_, &QPushButton::clicked, this, &DnsPage::assignSelected);

    auto* exposureBox = new QGroupBox(tr("What resolvers learn about you"), this);
    auto* exposureLayout = new QVBoxLayout(exposureBox);
    chart_ = new ExposureChart(exposureModel_, exposureBox);
    exposureLayout->addWidget(chart_);
    auto* exposureRow = new QHBoxLayout;
    auto* thresholdLabel = new QLabel(tr("&Warn when a resolver has learned:"), exposureBox);
    threshold_ = new QDoubleSpinBox(exposureBox);
    threshold_->setRange(0, 64);
    threshold_->setDecimals(1);
    threshold_->setSuffix(tr(" bits"));
    threshold_->setSpecialValueText(tr("never warn"));
    threshold_->setAccessibleName(tr("Exposure warning threshold in bits"));
    thresholdLabel->setBuddy(threshold_);
    auto* reset = new QPushButton(tr("&Forget what resolvers learned"), exposureBox);
    exposureRow->addWidget(thresholdLabel);
    exposureRow->addWidget(threshold_);
    exposureRow->addStretch(1);
    exposureRow->addWidget(reset);
    exposureLayout->addLayout(exposureRow);
    layout->addWidget(exposureBox);
    connect(threshold_, &QDoubleSpinBox::editingFinished, this, [this] {
        if (threshold_->value() != dns_.exposureThreshold()) {
            dns_.setExposureThreshold(threshold_->value());
        }
    });
    connect(reset, &QPushButton::clicked, this, [this] { dns_.resetExposure(QString()); });

    auto* dohBox = new QGroupBox(tr("Apps doing their own DNS over HTTPS"), this);
    auto* dohLayout = new QVBoxLayout(dohBox);
    dohLayout->addWidget(new TableView(dohModel_,
                                       {{tr("App"), DohAppModel::AppRole, {}},
                                        {tr("Server"), DohAppModel::ServerRole, {}},
                                        {tr("Seen"), DohAppModel::SeenByRole, {}},
                                        {tr("Questions"), DohAppModel::QuestionsRole, {}},
                                        {tr("Connections"), DohAppModel::ConnectionsRole, {}}},
                                       tr("Apps doing their own DNS over HTTPS"), dohBox));
    layout->addWidget(dohBox);

    connect(&dns_, &DnsState::changed, this, &DnsPage::reloadTargets);
    reloadTargets();
}

void DnsPage::fillTargets(QComboBox* box, bool withFollowDefault) const {
    const QString current = box->currentData().toString();
    box->clear();
    if (withFollowDefault) {
        box->addItem(tr("The default"), QString());
    }
    box->addItem(tr("Spread over several resolvers (shard)"), shard());
    for (const Resolver& resolver : dns_.resolvers()) {
        box->addItem(resolver.name, resolver.id);
    }
    const int keep = box->findData(current);
    box->setCurrentIndex(keep >= 0 ? keep : 0);
}

void DnsPage::reloadTargets() {
    fillTargets(defaultTarget_, false);
    const int index = defaultTarget_->findData(dns_.defaultTarget());
    if (index >= 0) {
        defaultTarget_->setCurrentIndex(index);
    }
    fillTargets(appTarget_, true);
    if (!threshold_->hasFocus()) {
        threshold_->setValue(dns_.exposureThreshold());
    }
}

void DnsPage::assignSelected() {
    const int row = appsView_->selectedSourceRow();
    if (row < 0) {
        return;
    }
    appModel_.assign(row, appTarget_->currentData().toString());
}

} // namespace mamori::gui
