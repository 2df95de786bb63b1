#include "InterfaceWords.h"

#include "common/UsbClasses.h"

#include <QCoreApplication>

namespace mamori::gui {

namespace {

bool isKeyboard(const InterfaceState& interface) {
    return interface.interfaceClass == usb::kClassHid &&
           interface.protocol == usb::kHidKeyboardProtocol;
}

} // namespace

QString describeInterface(const InterfaceState& interface) {
    switch (interface.interfaceClass) {
    case usb::kClassAudio:
        return QCoreApplication::translate("InterfaceWords", "audio");
    case usb::kClassCommunications:
    case usb::kClassCdcData:
        return QCoreApplication::translate("InterfaceWords", "network or modem");
    case usb::kClassHid:
        if (interface.protocol == usb::kHidKeyboardProtocol) {
            return QCoreApplication::translate("InterfaceWords", "keyboard");
        }
        return interface.protocol == usb::kHidMouseProtocol
                   ? QCoreApplication::translate("InterfaceWords", "mouse")
                   : QCoreApplication::translate("InterfaceWords", "input device");
    case usb::kClassImage:
        return QCoreApplication::translate("InterfaceWords", "camera (still images)");
    case usb::kClassPrinter:
        return QCoreApplication::translate("InterfaceWords", "printer");
    case usb::kClassMassStorage:
        return QCoreApplication::translate("InterfaceWords", "storage");
    case usb::kClassHub:
        return QCoreApplication::translate("InterfaceWords", "hub");
    case usb::kClassSmartCard:
        return QCoreApplication::translate("InterfaceWords", "smart card reader");
    case usb::kClassVideo:
        return QCoreApplication::translate("InterfaceWords", "camera");
    case usb::kClassWireless:
        return QCoreApplication::translate("InterfaceWords", "wireless (Bluetooth)");
    case usb::kClassVendorSpecific:
        return QCoreApplication::translate("InterfaceWords", "vendor-specific");
    default:
        return QCoreApplication::translate("InterfaceWords", "interface class 0x%1")
            .arg(interface.interfaceClass, 2, 16, QLatin1Char('0'));
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
        other = other || interface.interfaceClass != usb::kClassHid;
    }
    return keyboard && other;
}

} // namespace mamori::gui
