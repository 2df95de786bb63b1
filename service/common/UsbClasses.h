// USB-IF class codes and the HID boot protocols (usb.org "Defined Class Codes", HID 1.11
// section 4.3): what the devices engine decides on and what the tray describes in words.
// Header only, no dependencies, so gui/lib may use it too.
#pragma once

#include <cstdint>

namespace mamori::usb {

inline constexpr std::uint8_t kClassPerInterface = 0x00;
inline constexpr std::uint8_t kClassAudio = 0x01;
inline constexpr std::uint8_t kClassCommunications = 0x02;
inline constexpr std::uint8_t kClassHid = 0x03;
inline constexpr std::uint8_t kClassImage = 0x06;
inline constexpr std::uint8_t kClassPrinter = 0x07;
inline constexpr std::uint8_t kClassMassStorage = 0x08;
inline constexpr std::uint8_t kClassHub = 0x09;
inline constexpr std::uint8_t kClassCdcData = 0x0a;
inline constexpr std::uint8_t kClassSmartCard = 0x0b;
inline constexpr std::uint8_t kClassVideo = 0x0e;
inline constexpr std::uint8_t kClassWireless = 0xe0;
inline constexpr std::uint8_t kClassMiscellaneous = 0xef;
inline constexpr std::uint8_t kClassVendorSpecific = 0xff;

inline constexpr std::uint8_t kHidBootSubClass = 1;
inline constexpr std::uint8_t kHidKeyboardProtocol = 1;
inline constexpr std::uint8_t kHidMouseProtocol = 2;

} // namespace mamori::usb
