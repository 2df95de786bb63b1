#include "InterfaceWords.h"

#include <QCoreApplication>

namespace mamori::gui {

namespace {

// USB-IF class codes (usb.org "Defined Class Codes").
constexpr uchar kAudio = 0x01;
constexpr uchar kCommunications = 0x02;
constexpr uchar kHid = 0x03;
constexpr uchar kImage = 0x06;
constexpr uchar kPrinter = 0x07;
constexpr uchar kMassStorage = 0x08;
constexpr uchar kHub = 0x09;
constexpr uchar kCdcData = 0x0a;
constexpr uchar kSmartCard = 0x0b;
constexpr uchar kVideo = 0x0e;
constexpr uchar kWireless = 0xe0;
constexpr uchar kVendorSpecific = 0xff;
// HID boot interface protocols (HID 1.11 section 4.3).
constexpr uchar kBootKeyboard = 0x01;
constexpr uchar kBootMouse = 0x02;

QString tr(const char* text) {
    return QCoreApplication::translate("InterfaceWords", text);
}

bool isKeyboard(const InterfaceState& interface) {
    return interface.interfaceClass == kHid && interface.protocol == kBootKeyboard;
}

} // namespace

QString describeInterface(const InterfaceState& interface) {
    switch (interface.interfaceClass) {
    case kAudio:
        return tr("audio");
    case kCommunications:
    case kCdcData:
        return tr("network or modem");
    case kHid:
        if (interface.protocol == kBootKeyboard) {
            return tr("keyboard");
        }
        return interface.protocol == kBootMouse ? tr("mouse") : tr("input device");
    case kImage:
        return tr("camera (still images)");
    case kPrinter:
        return tr("printer");
    case kMassStorage:
        return tr("storage");
    case kHub:
        return tr("hub");
    case kSmartCard:
        return tr("smart card reader");
    case kVideo:
        return tr("camera");
    case kWireless:
        return tr("wireless (Bluetooth)");
    case kVendorSpecific:
        return tr("vendor-specific");
    default:
        return tr("interface class 0x%1").arg(interface.interfaceClass, 2, 16, QLatin1Char('0'));
    }
}

QStringList describeInterfaces(const MamoriInterfaceList& interfaces) {
    QStringList words;
    for (const auto& interface : interfaces) {
        const QString word = describeInterface(interface);
        if (!words.contains(word)) {
            words << word;
        }
    }
    return words;
}

bool keyboardWithOtherFunctions(const MamoriInterfaceList& interfaces) {
    bool keyboard = false;
    bool other = false;
    for (const auto& interface : interfaces) {
        keyboard = keyboard || isKeyboard(interface);
        other = other || interface.interfaceClass != kHid;
    }
    return keyboard && other;
}

} // namespace mamori::gui
