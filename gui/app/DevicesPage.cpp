#include "DevicesPage.h"

#include "DeviceModel.h"
#include "DevicesState.h"
#include "InterfaceWords.h"
#include "QtNames.h"
#include "TableView.h"
#include "common/Names.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mamori::gui {

namespace {

constexpr uint kAllowAllSeconds = 5 * 60;
constexpr int kInterfaceNumberRole = Qt::UserRole + 1;

QVariant statusWords(const QVariant& value) {
    const QString status = value.toString();
    if (status == qtName(names::device::kStatusWaiting)) {
        return DevicesPage::tr("waiting for you");
    }
    if (status == qtName(names::device::kStatusAuthorized)) {
        return DevicesPage::tr("allowed");
    }
    if (status == qtName(names::device::kStatusPartlyAuthorized)) {
        return DevicesPage::tr("partly allowed");
    }
    if (status == qtName(names::device::kStatusBlocked)) {
        return DevicesPage::tr("blocked");
    }
    return status;
}

QVariant warningWords(const QVariant& value) {
    return value.toBool() ? DevicesPage::tr("keyboard next to other functions") : QString();
}

} // namespace

DevicesPage::DevicesPage(DevicesState& devices, DeviceModel& model, QWidget* parent)
    : QWidget(parent)
    , devices_(devices)
    , model_(model) {
    auto* layout = new QVBoxLayout(this);

    auto* connectedBox = new QGroupBox(tr("Connected USB devices"), this);
    auto* connectedLayout = new QVBoxLayout(connectedBox);
    devicesView_ = new TableView(
        model_,
        {{tr("Device"), DeviceModel::NameRole, {}},
         {tr("Maker"), DeviceModel::ManufacturerRole, {}},
         {tr("Functions"), DeviceModel::InterfaceWordsRole, &RoleColumnsProxy::joined},
         {tr("State"), DeviceModel::StatusRole, &statusWords},
         {tr("Decided by"), DeviceModel::DecidedByRole, {}},
         {tr("Port"), DeviceModel::PortRole, {}},
         {tr("Warning"), DeviceModel::KeyboardWithOthersRole, &warningWords}},
        tr("Connected USB devices"), connectedBox);
    connectedLayout->addWidget(devicesView_);
    auto* decideRow = new QHBoxLayout;
    const auto addButton = [&](const QString& name, const QString& text, bool allow,
                               std::string_view scope) {
        auto* button = new QPushButton(text, connectedBox);
        button->setObjectName(name);
        button->setEnabled(false);
        connect(button, &QPushButton::clicked, this,
                [this, allow, scope] { decideSelected(allow, qtName(scope)); });
        decideRow->addWidget(button);
        deviceButtons_ << button;
    };
    addButton(QStringLiteral("allowOnce"), tr("Allow &once"), true, names::device::kScopeOnce);
    addButton(QStringLiteral("alwaysAllow"), tr("Al&ways allow"), true,
              names::device::kScopeAlways);
    addButton(QStringLiteral("block"), tr("&Block"), false, names::device::kScopeOnce);
    addButton(QStringLiteral("alwaysBlock"), tr("Always bl&ock"), false,
              names::device::kScopeAlways);
    decideRow->addStretch(1);
    connectedLayout->addLayout(decideRow);

    auto* interfacesLabel = new QLabel(tr("&Functions of the selected device:"), connectedBox);
    interfaces_ = new QListWidget(connectedBox);
    interfaces_->setAccessibleName(tr("Functions of the selected device"));
    interfaces_->setMaximumHeight(100);
    interfacesLabel->setBuddy(interfaces_);
    allowInterfaces_ = new QPushButton(tr("Allow only the &checked functions"), connectedBox);
    allowInterfaces_->setObjectName(QStringLiteral("allowInterfaces"));
    allowInterfaces_->setEnabled(false);
    connectedLayout->addWidget(interfacesLabel);
    connectedLayout->addWidget(interfaces_);
    connectedLayout->addWidget(allowInterfaces_, 0, Qt::AlignLeft);
    layout->addWidget(connectedBox);
    connect(devicesView_, &TableView::selectedRowChanged, this, &DevicesPage::onSelection);
    connect(allowInterfaces_, &QPushButton::clicked, this, &DevicesPage::allowCheckedInterfaces);

    auto* rulesBox = new QGroupBox(tr("Remembered devices and rules"), this);
    auto* rulesLayout = new QVBoxLayout(rulesBox);
    rules_ = new QTableWidget(0, 2, rulesBox);
    rules_->setHorizontalHeaderLabels({tr("Name"), tr("Rule")});
    rules_->setAccessibleName(tr("Remembered devices and rules"));
    rules_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    rules_->setSelectionBehavior(QAbstractItemView::SelectRows);
    rules_->setSelectionMode(QAbstractItemView::SingleSelection);
    rules_->verticalHeader()->hide();
    rules_->horizontalHeader()->setStretchLastSection(true);
    rules_->setMaximumHeight(140);
    rules_->setTabKeyNavigation(false);
    auto* rulesRow = new QHBoxLayout;
    auto* showRules = new QPushButton(tr("&Show remembered devices"), rulesBox);
    showRules->setObjectName(QStringLiteral("showRules"));
    showRules->setToolTip(tr("Reading them needs an administrator's approval"));
    forgetRule_ = new QPushButton(tr("&Forget the selected one"), rulesBox);
    forgetRule_->setObjectName(QStringLiteral("forgetRule"));
    forgetRule_->setEnabled(false);
    rulesRow->addWidget(showRules);
    rulesRow->addWidget(forgetRule_);
    rulesRow->addStretch(1);
    rulesLayout->addWidget(rules_);
    rulesLayout->addLayout(rulesRow);
    layout->addWidget(rulesBox);
    connect(showRules, &QPushButton::clicked, &devices_, &DevicesState::listRules);
    connect(&devices_, &DevicesState::rulesListed, this, &DevicesPage::showRules);
    connect(rules_, &QTableWidget::itemSelectionChanged, this,
            [this] { forgetRule_->setEnabled(!rules_->selectedItems().isEmpty()); });
    connect(forgetRule_, &QPushButton::clicked, this, [this] {
        const auto selected = rules_->selectedItems();
        if (!selected.isEmpty()) {
            devices_.removeRule(rules_->item(selected.first()->row(), 0)->text());
        }
    });
    connect(&devices_, &DevicesState::actionSucceeded, this, [this](const QString& action) {
        if (action == QStringLiteral("RemoveRule")) {
            devices_.listRules();
        }
    });

    auto* policyBox = new QGroupBox(tr("New devices and Bluetooth"), this);
    auto* policyForm = new QFormLayout(policyBox);
    policy_ = new QComboBox(policyBox);
    policy_->setAccessibleName(tr("What happens to a new USB device"));
    policy_->addItem(tr("Ask me"), qtName(names::device::kPolicyAsk));
    policy_->addItem(tr("Allow it"), qtName(names::device::kPolicyAllow));
    policy_->addItem(tr("Block it"), qtName(names::device::kPolicyBlock));
    policyForm->addRow(tr("&When a new USB device is plugged in:"), policy_);
    auto* allowAll = new QPushButton(tr("Allow every new device for &5 minutes"), policyBox);
    allowAll->setObjectName(QStringLiteral("allowAll"));
    allowAll->setToolTip(tr("For setting up a computer with many devices at once"));
    allowAllUntil_ = new QLabel(policyBox);
    auto* allowAllRow = new QHBoxLayout;
    allowAllRow->addWidget(allowAll);
    allowAllRow->addWidget(allowAllUntil_, 1);
    policyForm->addRow(allowAllRow);
    bluetooth_ = new QCheckBox(tr("Blue&tooth on"), policyBox);
    bluetooth_->setAccessibleName(tr("Bluetooth on"));
    policyForm->addRow(bluetooth_);
    layout->addWidget(policyBox);
    connect(policy_, &QComboBox::activated, this,
            [this](int index) { devices_.setDefaultPolicy(policy_->itemData(index).toString()); });
    connect(allowAll, &QPushButton::clicked, this, [this] { devices_.allowAll(kAllowAllSeconds); });
    connect(bluetooth_, &QCheckBox::clicked, this,
            [this](bool on) { devices_.setBluetoothBlocked(!on); });
    connect(&devices_, &DevicesState::changed, this, &DevicesPage::reloadPolicy);
    reloadPolicy();
}

QPushButton* DevicesPage::button(const QString& objectName) const {
    return findChild<QPushButton*>(objectName);
}

void DevicesPage::onSelection(int row) {
    for (QPushButton* button : std::as_const(deviceButtons_)) {
        button->setEnabled(row >= 0);
    }
    interfaces_->clear();
    allowInterfaces_->setEnabled(false);
    if (row < 0) {
        return;
    }
    const auto list =
        model_.index(row, 0).data(DeviceModel::InterfacesRole).value<MamoriInterfaceList>();
    for (const InterfaceState& interface : list) {
        auto* item = new QListWidgetItem(
            tr("%1 (interface %2)").arg(describeInterface(interface)).arg(interface.number),
            interfaces_);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        item->setCheckState(interface.authorized ? Qt::Checked : Qt::Unchecked);
        item->setData(kInterfaceNumberRole, uint(interface.number));
    }
    allowInterfaces_->setEnabled(!list.isEmpty());
}

void DevicesPage::decideSelected(bool allow, const QString& scope) {
    const int row = devicesView_->selectedSourceRow();
    if (row < 0) {
        return;
    }
    if (allow) {
        model_.authorize(row, scope);
    } else {
        model_.block(row, scope);
    }
}

void DevicesPage::allowCheckedInterfaces() {
    const int row = devicesView_->selectedSourceRow();
    if (row < 0) {
        return;
    }
    QByteArray numbers;
    for (int i = 0; i < interfaces_->count(); ++i) {
        const QListWidgetItem* item = interfaces_->item(i);
        if (item->checkState() == Qt::Checked) {
            numbers.append(char(item->data(kInterfaceNumberRole).toUInt()));
        }
    }
    if (numbers.isEmpty()) {
        model_.block(row, qtName(names::device::kScopeOnce));
        return;
    }
    model_.authorize(row, qtName(names::device::kScopeOnce), numbers);
}

void DevicesPage::showRules(const MamoriRuleList& rules) {
    rules_->setRowCount(int(rules.size()));
    for (int i = 0; i < rules.size(); ++i) {
        rules_->setItem(i, 0, new QTableWidgetItem(rules.at(i).name));
        rules_->setItem(i, 1, new QTableWidgetItem(rules.at(i).text.simplified()));
    }
}

void DevicesPage::reloadPolicy() {
    const int index = policy_->findData(devices_.defaultPolicy());
    if (index >= 0) {
        policy_->setCurrentIndex(index);
    }
    bluetooth_->setChecked(!devices_.bluetoothBlocked());
    const QDateTime until = devices_.allowAllUntil();
    allowAllUntil_->setText(until.isValid() && until > QDateTime::currentDateTime()
                                ? tr("New devices are allowed until %1.")
                                      .arg(QLocale().toString(until.time(), QLocale::ShortFormat))
                                : QString());
}

} // namespace mamori::gui
