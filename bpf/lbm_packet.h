/* The packet context of Mamori's peripheral filters (service/lbm), shared by the code
 * generator, the XDP test harness and the LBM kernel patch (kernel-patches/lbm). Plain C, no
 * includes, fixed-width fields only: this is a wire format.
 *
 * On a kernel with the LBM patch, a BPF_PROG_TYPE_LBM program gets a context whose fields
 * below are read at these offsets, and the packet bytes through data/data_end.
 * On a stock kernel, the XDP harness puts this struct at the start of the test packet,
 * followed by the packet bytes; the generated program reads both with bounds checks.
 * Return value: 0 = allow, 1 = drop (LBM's convention).
 *
 * BPF_PROG_TYPE_LBM context (an assumption the kernel patch must honour; the code generator's
 * Target::LbmProgram reads it): struct lbm_context below. data/data_end are 32-bit like
 * xdp_md's, so the patch's convert_ctx_access rewrites them into packet pointers the same way;
 * the metadata follows at a fixed offset and is read-only.
 *
 * XDP harness (Target::XdpHarness, stock kernels): the packet handed to BPF_PROG_TEST_RUN is
 * struct lbm_packet_meta followed by the payload. The program returns XDP_DROP (1) for drop,
 * XDP_PASS (2) for allow, and XDP_ABORTED (0) when the packet is shorter than the metadata.
 */
#ifndef MAMORI_LBM_PACKET_H
#define MAMORI_LBM_PACKET_H

enum lbm_subsystem {
    LBM_SUBSYS_USB_URB = 1,
    LBM_SUBSYS_BT_HCI = 2,
    LBM_SUBSYS_BT_L2CAP = 3,
};

enum lbm_direction {
    LBM_DIR_INGRESS = 0, /* device to host */
    LBM_DIR_EGRESS = 1,  /* host to device */
};

struct lbm_packet_meta {
    __u32 subsystem; /* enum lbm_subsystem */
    __u32 direction; /* enum lbm_direction */
    __u32 len;       /* bytes of packet data following (URB: transfer buffer) */
    /* USB URB */
    __u32 usb_pipe;          /* the URB's pipe word */
    __u32 usb_endpoint;      /* endpoint number 0..15 */
    __u32 usb_transfer_type; /* 0 control, 1 isochronous, 2 bulk, 3 interrupt */
    __u32 usb_status;        /* URB status (ingress) */
    __u32 usb_actual_length; /* bytes transferred (ingress) */
    __u16 usb_id_vendor;     /* of the device the URB belongs to */
    __u16 usb_id_product;
    __u8 usb_setup[8]; /* control transfers: the setup packet */
    /* Bluetooth */
    __u32 bt_hci_type;   /* H:4 packet type: 1 command, 2 ACL, 3 SCO, 4 event, 5 ISO */
    __u32 bt_hci_handle; /* connection handle the frame belongs to, 0 if none */
    /* XDP harness only: the generated program stores 1 + the index of the deciding rule here
     * (0 = no rule matched) so the test runner can say which rule decided. Carved from
     * reserved[]; the kernel patch ignores it. */
    __u32 harness_rule;
    __u32 reserved[3]; /* keeps the size stable as fields are added */
};

struct lbm_context {
    __u32 data; /* packet bytes (URB transfer buffer / HCI frame / L2CAP frame) */
    __u32 data_end;
    struct lbm_packet_meta meta;
};

#endif
