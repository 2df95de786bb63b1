#include "lbm/Fields.h"

#include "lbm/PacketMeta.h"

#include <array>
#include <cstddef>

namespace mamori::lbm {
namespace {

constexpr uint32_t metaOffset(std::size_t offset) {
    return static_cast<uint32_t>(offset);
}

#define MAMORI_META(member) metaOffset(offsetof(lbm_packet_meta, member))

constexpr FieldInfo device(std::string_view name, FieldType type, uint32_t widthBits,
                           std::string_view doc) {
    return {name, Subsystem::UsbDevice, type, widthBits, FieldSource::Device, 0, 0, 0, doc};
}

constexpr FieldInfo interface(std::string_view name, FieldType type, uint32_t widthBits,
                              std::string_view doc) {
    return {name, Subsystem::UsbInterface, type, widthBits, FieldSource::Device, 0, 0, 0, doc};
}

constexpr FieldInfo meta(std::string_view name, Subsystem subsystem, uint32_t widthBits,
                         uint32_t offset, std::string_view doc) {
    return {name, subsystem, FieldType::Number, widthBits, FieldSource::Meta, offset, 0, 0, doc};
}

constexpr FieldInfo payload(std::string_view name, Subsystem subsystem, uint32_t widthBits,
                            uint32_t offset, uint32_t shift, uint64_t mask, std::string_view doc) {
    return {name, subsystem, FieldType::Number, widthBits, FieldSource::Payload, offset, shift,
            mask, doc};
}

constexpr FieldInfo bytes(std::string_view name, Subsystem subsystem, uint32_t offset,
                          std::string_view doc) {
    return {name, subsystem, FieldType::Bytes, 0, FieldSource::PayloadBytes, offset, 0, 0, doc};
}

constexpr auto U = Subsystem::UsbUrb;
constexpr auto H = Subsystem::BtHci;
constexpr auto L = Subsystem::BtL2cap;
constexpr auto N = FieldType::Number;
constexpr auto S = FieldType::String;

// Offsets into payloads follow the Bluetooth Core spec (Vol 4 Part E 5.4 for HCI packets,
// Vol 3 Part A 3 and 4 for L2CAP): HCI frames start after the H:4 type byte, which is in the
// metadata; L2CAP frames start with the basic header len(2) cid(2), then on CID 1 the
// signalling command header code(1) id(1) len(2), then the command data at byte 8.
const std::array kFields = {
    device("usb.idVendor", N, 16, "vendor id (idVendor)"),
    device("usb.idProduct", N, 16, "product id (idProduct)"),
    device("usb.bcdDevice", N, 16, "device release number, BCD"),
    device("usb.bDeviceClass", N, 8, "device class (0 = defined per interface, 0xff vendor)"),
    device("usb.bDeviceSubClass", N, 8, "device subclass"),
    device("usb.bDeviceProtocol", N, 8, "device protocol"),
    device("usb.bcdUSB", N, 16, "USB specification release, BCD (0x0200 = USB 2.0)"),
    device("usb.bNumConfigurations", N, 8, "number of configurations"),
    device("usb.busnum", N, 16, "bus number"),
    device("usb.devnum", N, 16, "device address on its bus"),
    device("usb.portpath", S, 0, "sysfs port path, e.g. \"1-2.3\" (bus 1, port 2, port 3)"),
    device("usb.speed", N, 32, "link speed in Mbit/s (1, 12, 480, 5000, ...)"),
    device("usb.serial", S, 0, "serial number string; no value when the device has none"),
    device("usb.product", S, 0, "product string; no value when the device has none"),
    device("usb.manufacturer", S, 0, "manufacturer string; no value when the device has none"),
    device("usb.descriptor_hash", S, 0,
           "hex SHA-256 of the device's descriptors (sysfs `descriptors`); stable across ports"),
    FieldInfo{"usb.interface_classes", Subsystem::UsbDevice, FieldType::NumberSet, 8,
              FieldSource::Device, 0, 0, 0,
              "classes of all interfaces of the active configuration (use with `in`)"},
    device("usb.interface_count", N, 8, "number of interfaces of the active configuration"),

    interface("usb.interface.number", N, 8, "bInterfaceNumber"),
    interface("usb.interface.class", N, 8, "bInterfaceClass (3 HID, 8 mass storage, 0xff vendor)"),
    interface("usb.interface.subclass", N, 8, "bInterfaceSubClass (HID: 1 boot interface)"),
    interface("usb.interface.protocol", N, 8, "bInterfaceProtocol (HID boot: 1 keyboard, 2 mouse)"),
    interface("usb.interface.driver", S, 0, "bound driver name; no value when none is bound"),

    meta("usb.urb.direction", U, 32, MAMORI_META(direction),
         "0 ingress (device to host), 1 egress"),
    meta("usb.urb.pipe", U, 32, MAMORI_META(usb_pipe), "the URB's pipe word"),
    meta("usb.urb.endpoint", U, 32, MAMORI_META(usb_endpoint), "endpoint number 0..15"),
    meta("usb.urb.transfer_type", U, 32, MAMORI_META(usb_transfer_type),
         "0 control, 1 isochronous, 2 bulk, 3 interrupt"),
    meta("usb.urb.status", U, 32, MAMORI_META(usb_status), "URB status (ingress), as unsigned"),
    meta("usb.urb.actual_length", U, 32, MAMORI_META(usb_actual_length), "bytes transferred"),
    meta("usb.urb.length", U, 32, MAMORI_META(len), "bytes of transfer buffer (packet length)"),
    meta("usb.urb.idVendor", U, 16, MAMORI_META(usb_id_vendor), "vendor id of the URB's device"),
    meta("usb.urb.idProduct", U, 16, MAMORI_META(usb_id_product), "product id of the device"),
    FieldInfo{"usb.urb.setup", U, FieldType::Bytes, 64, FieldSource::Meta, MAMORI_META(usb_setup),
              0, 0,
              "the 8 setup bytes of a control transfer (metadata, not payload); slice it or "
              "compare all 8"},
    meta("usb.urb.setup.bmRequestType", U, 8, MAMORI_META(usb_setup) + 0, "setup byte 0"),
    meta("usb.urb.setup.bRequest", U, 8, MAMORI_META(usb_setup) + 1, "setup byte 1"),
    meta("usb.urb.setup.wValue", U, 16, MAMORI_META(usb_setup) + 2, "setup bytes 2-3 (LE)"),
    meta("usb.urb.setup.wIndex", U, 16, MAMORI_META(usb_setup) + 4, "setup bytes 4-5 (LE)"),
    meta("usb.urb.setup.wLength", U, 16, MAMORI_META(usb_setup) + 6, "setup bytes 6-7 (LE)"),
    bytes("usb.urb.payload", U, 0, "the transfer buffer; slice it"),

    meta("bt.hci.type", H, 32, MAMORI_META(bt_hci_type),
         "H:4 packet type: 1 command, 2 ACL, 3 SCO, 4 event, 5 ISO"),
    meta("bt.hci.len", H, 32, MAMORI_META(len), "frame length without the type byte"),
    meta("bt.hci.direction", H, 32, MAMORI_META(direction), "0 ingress (controller to host)"),
    meta("bt.hci.handle", H, 32, MAMORI_META(bt_hci_handle), "connection handle, 0 if none"),
    payload("bt.hci.event.code", H, 8, 0, 0, 0, "event code (type 4), byte 0"),
    payload("bt.hci.event.len", H, 8, 1, 0, 0, "event parameter length (type 4), byte 1"),
    payload("bt.hci.command.opcode", H, 16, 0, 0, 0, "command opcode (type 1), LE16 at 0"),
    payload("bt.hci.command.ogf", H, 16, 0, 10, 0x3f, "opcode group field: opcode >> 10"),
    payload("bt.hci.command.ocf", H, 16, 0, 0, 0x3ff, "opcode command field: opcode & 0x3ff"),
    payload("bt.hci.command.len", H, 8, 2, 0, 0, "command parameter length, byte 2"),
    payload("bt.hci.acl.handle", H, 16, 0, 0, 0x0fff, "ACL connection handle (type 2)"),
    payload("bt.hci.acl.flags", H, 16, 0, 12, 0xf, "ACL packet boundary + broadcast flags"),
    payload("bt.hci.acl.len", H, 16, 2, 0, 0, "ACL data length, LE16 at 2"),
    bytes("bt.hci.payload", H, 0, "the frame bytes after the type byte; slice it"),

    payload("bt.l2cap.len", L, 16, 0, 0, 0, "basic header: payload length, LE16 at 0"),
    payload("bt.l2cap.cid", L, 16, 2, 0, 0, "basic header: channel id (1 signalling), LE16 at 2"),
    meta("bt.l2cap.skb_len", L, 32, MAMORI_META(len), "bytes in the frame as received"),
    meta("bt.l2cap.direction", L, 32, MAMORI_META(direction), "0 ingress, 1 egress"),
    meta("bt.l2cap.handle", L, 32, MAMORI_META(bt_hci_handle), "connection handle"),
    payload("bt.l2cap.sig.cmd.code", L, 8, 4, 0, 0, "signalling command code (cid 1), byte 4"),
    payload("bt.l2cap.sig.cmd.id", L, 8, 5, 0, 0, "signalling command identifier, byte 5"),
    payload("bt.l2cap.sig.cmd.len", L, 16, 6, 0, 0, "signalling command data length, LE16 at 6"),
    payload("bt.l2cap.sig.conf_rsp.scid", L, 16, 8, 0, 0,
            "configuration response (code 5): source CID, LE16 at 8"),
    payload("bt.l2cap.sig.conf_rsp.flags", L, 16, 10, 0, 0,
            "configuration response: flags, LE16 at 10"),
    payload("bt.l2cap.sig.conf_rsp.result", L, 16, 12, 0, 0,
            "configuration response: result (1 = pending), LE16 at 12"),
    payload("bt.l2cap.conn_req.psm", L, 16, 8, 0, 0, "connection request (code 2): PSM, LE16 at 8"),
    bytes("bt.l2cap.payload", L, 4, "the bytes after the basic header; slice it"),
};

#undef MAMORI_META

} // namespace

bool isPacketSubsystem(Subsystem subsystem) {
    return subsystem == Subsystem::UsbUrb || subsystem == Subsystem::BtHci ||
           subsystem == Subsystem::BtL2cap;
}

std::span<const FieldInfo> allFields() {
    return kFields;
}

const FieldInfo* findField(std::string_view name) {
    for (const auto& field : kFields) {
        if (field.name == name) {
            return &field;
        }
    }
    return nullptr;
}

uint32_t packetSubsystemCode(Subsystem subsystem) {
    switch (subsystem) {
    case Subsystem::UsbUrb:
        return LBM_SUBSYS_USB_URB;
    case Subsystem::BtHci:
        return LBM_SUBSYS_BT_HCI;
    case Subsystem::BtL2cap:
        return LBM_SUBSYS_BT_L2CAP;
    case Subsystem::UsbDevice:
    case Subsystem::UsbInterface:
        break;
    }
    return 0;
}

std::optional<Subsystem> subsystemFromPacketCode(uint32_t code) {
    switch (code) {
    case LBM_SUBSYS_USB_URB:
        return Subsystem::UsbUrb;
    case LBM_SUBSYS_BT_HCI:
        return Subsystem::BtHci;
    case LBM_SUBSYS_BT_L2CAP:
        return Subsystem::BtL2cap;
    default:
        return std::nullopt;
    }
}

} // namespace mamori::lbm
