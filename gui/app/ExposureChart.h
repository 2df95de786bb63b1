// What each resolver has learned, as bars (bits of information about the user's browsing, per
// resolver, for queries sent through Mamori and for apps bypassing it) with the warning
// threshold as a line across: the DNS page's chart, drawn from ExposureModel.
#pragma once

#include <QChartView>

namespace mamori::gui {

class ExposureModel;

class ExposureChart : public QChartView {
    Q_OBJECT
public:
    explicit ExposureChart(ExposureModel& model, QWidget* parent = nullptr);

    // The bars drawn: resolver -> bits through Mamori (for tests and the accessible text).
    QMap<QString, double> bitsByResolver() const { return bits_; }

private:
    void rebuild();

    ExposureModel& model_;
    QMap<QString, double> bits_;
};

} // namespace mamori::gui
