// The settings window: one page per engine plus About, a banner while the service is not
// running, and a line that says how the last change the user asked for went (refused changes
// are named with the reason, e.g. "Not authorized: …").
#pragma once

#include <QWidget>
#include <optional>

class QLabel;
class QTabWidget;

namespace mamori::gui {

class AboutPage;
class DevicesPage;
class DnsPage;
class SandboxesPage;
struct ServiceStates;

class SettingsWindow : public QWidget {
    Q_OBJECT
public:
    enum class Page { Dns, Devices, Sandboxes, About };

    explicit SettingsWindow(ServiceStates& states, QWidget* parent = nullptr);

    void showPage(Page page);
    QWidget* page(Page page) const;
    DnsPage* dnsPage() const { return dns_; }
    DevicesPage* devicesPage() const { return devices_; }
    SandboxesPage* sandboxesPage() const { return sandboxes_; }
    AboutPage* aboutPage() const { return about_; }
    // The last outcome shown ("" when none).
    QString message() const;
    bool serviceBannerShown() const;

    static std::optional<Page> pageOfName(const QString& name);
    // A change's D-Bus method in words ("Allowing the device").
    static QString actionWords(const QString& action);

private:
    void showOutcome(const QString& action, const QString& error);

    QLabel* banner_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QLabel* message_ = nullptr;
    DnsPage* dns_ = nullptr;
    DevicesPage* devices_ = nullptr;
    SandboxesPage* sandboxes_ = nullptr;
    AboutPage* about_ = nullptr;
};

} // namespace mamori::gui
