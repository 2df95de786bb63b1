#include "ExposureChart.h"

#include "ExposureModel.h"
#include "QtNames.h"
#include "common/Names.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <memory>

namespace mamori::gui {

ExposureChart::ExposureChart(ExposureModel& model, QWidget* parent)
    : QChartView(parent)
    , model_(model) {
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(260);
    setAccessibleName(tr("What each resolver learned, in bits"));
    connect(&model_, &QAbstractItemModel::modelReset, this, &ExposureChart::rebuild);
    connect(&model_, &ExposureModel::thresholdChanged, this, &ExposureChart::rebuild);
    rebuild();
}

void ExposureChart::rebuild() {
    QMap<QString, double> through;
    QMap<QString, double> bypassing;
    for (int row = 0; row < model_.rowCount(); ++row) {
        const QModelIndex index = model_.index(row, 0);
        const QString resolver = index.data(ExposureModel::ResolverRole).toString();
        const double bits = index.data(ExposureModel::BitsRole).toDouble();
        if (index.data(ExposureModel::SourceRole).toString() ==
            qtName(names::dns::kSourceBypassing)) {
            bypassing[resolver] += bits;
        } else {
            through[resolver] += bits;
        }
    }
    QStringList resolvers = through.keys();
    for (const QString& resolver : bypassing.keys()) {
        if (!resolvers.contains(resolver)) {
            resolvers << resolver;
        }
    }
    bits_ = through;

    auto* chart = new QChart;
    chart->setTitle(tr("What each resolver learned about you"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto* bars = new QBarSeries(chart);
    auto* throughSet = new QBarSet(tr("Through Mamori"), bars);
    QBarSet* bypassingSet =
        bypassing.isEmpty() ? nullptr : new QBarSet(tr("Apps bypassing Mamori"), bars);
    double highest = 0;
    for (const QString& resolver : std::as_const(resolvers)) {
        throughSet->append(through.value(resolver));
        if (bypassingSet != nullptr) {
            bypassingSet->append(bypassing.value(resolver));
        }
        highest = std::max({highest, through.value(resolver), bypassing.value(resolver)});
    }
    bars->append(throughSet);
    if (bypassingSet != nullptr) {
        bars->append(bypassingSet);
    }
    chart->addSeries(bars);

    auto* categories = new QBarCategoryAxis(chart);
    categories->append(resolvers.isEmpty() ? QStringList{tr("no queries yet")} : resolvers);
    chart->addAxis(categories, Qt::AlignBottom);
    bars->attachAxis(categories);
    auto* values = new QValueAxis(chart);
    values->setTitleText(tr("bits"));
    const double threshold = model_.threshold();
    values->setRange(0, std::max({highest, threshold, 1.0}) * 1.15);
    values->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(values, Qt::AlignLeft);
    bars->attachAxis(values);

    if (threshold > 0) {
        auto* line = new QLineSeries(chart);
        line->setName(tr("Warning threshold (%1 bits)").arg(threshold, 0, 'f', 1));
        const auto count = std::max<qsizetype>(resolvers.size(), 1);
        line->append(-0.5, threshold);
        line->append(double(count) - 0.5, threshold);
        QPen pen(QColor(0xa4, 0x00, 0x00));
        pen.setWidth(2);
        pen.setStyle(Qt::DashLine);
        line->setPen(pen);
        chart->addSeries(line);
        // The category axis spans -0.5 .. n-0.5 in value terms: the line crosses every bar.
        auto* lineX = new QValueAxis(chart);
        lineX->setRange(-0.5, double(count) - 0.5);
        lineX->setVisible(false);
        chart->addAxis(lineX, Qt::AlignBottom);
        line->attachAxis(lineX);
        line->attachAxis(values);
    }
    // setChart gives up the old chart without deleting it.
    const std::unique_ptr<QChart> previous(this->chart());
    setChart(chart);
    QStringList described;
    for (const QString& resolver : std::as_const(resolvers)) {
        described << tr("%1: %2 bits").arg(resolver).arg(through.value(resolver), 0, 'f', 1);
    }
    setAccessibleDescription(described.join(QStringLiteral("; ")));
}

} // namespace mamori::gui
