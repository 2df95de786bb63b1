// The case-study filters as rule text, used by the verifier and semantics tests (the shipped
// files in packaging/rules/ are checked too, when they exist).
#pragma once

namespace mamori::lbm::test {

// CVE-2017-1000251 (BlueBorne, Linux L2CAP): a configuration response with result "pending"
// whose options overflow the responder's buffer.
inline constexpr const char* kBlueBorne = R"(
# BlueBorne: L2CAP signalling (CID 1) configuration response (code 0x05), result pending (1),
# command length >= 70 bytes of options.
rule blueborne drop {
    bt.l2cap.cid == 1
    && bt.l2cap.sig.cmd.code == 0x05
    && bt.l2cap.sig.conf_rsp.result == 1
    && bt.l2cap.sig.cmd.len >= 70
}
)";

// HCI events whose parameter length promises more bytes than the frame has, or frames too
// short to hold an event header at all.
inline constexpr const char* kHciLength = R"(
rule hci-event-too-short drop { bt.hci.type == 4 && bt.hci.len < 2 }
rule hci-event-overlong drop { bt.hci.type == 4 && bt.hci.event.len + 2 > bt.hci.len }
rule hci-acl-overlong drop { bt.hci.type == 2 && bt.hci.acl.len + 4 > bt.hci.len }
)";

// USB: no SET_CONFIGURATION to the device from anyone but the host stack's first request, no
// HID SET_REPORT (keyboard LED / firmware tricks), no mass-storage CBW to one vendor's device.
inline constexpr const char* kUsb = R"(
rule allow-get-descriptor allow {
    usb.urb.transfer_type == 0 && usb.urb.setup[0:2] == 0x8006
}
rule no-set-report drop {
    usb.urb.transfer_type == 0 && usb.urb.setup.bmRequestType == 0x21
    && usb.urb.setup.bRequest == 0x09
}
rule no-cbw drop {
    usb.urb.idVendor == 0x1234 && usb.urb.transfer_type == 2
    && usb.urb.payload[0:4] == "USBC"
}
rule odd-endpoints drop { usb.urb.endpoint in {5, 7, 9, 11, 13} && !(usb.urb.transfer_type == 3) }
)";

} // namespace mamori::lbm::test
