// A scripted Bluetooth controller behind /dev/vhci (hci_vhci) for the guest tests, so that a
// test can put L2CAP frames into the kernel's real receive path (hci_recv_frame ->
// l2cap_recv_frame) over an ACL link and see what the kernel answers:
//
//   vhci_open(&v);                          controller hciN created and up
//   vhci_connect(&v, 0x0042, 3000);         a remote device connected over ACL, handle 0x42
//   vhci_send_acl(&v, 0x0042, frame, len);  one L2CAP frame (basic header included)
//   vhci_wait_l2cap_signal(&v, 0x09, 2000); 1 once the kernel sent e.g. an Echo Response
//   vhci_close(&v);
//
// A thread answers every HCI command the kernel sends, during init and afterwards, so the
// test only deals with L2CAP. The answers are the least Linux 6.1 (net/bluetooth/hci_sync.c,
// hci_event.c) accepts: an HCI 4.0 BR/EDR controller with no LMP features and no optional
// commands, which keeps init at 13 commands, and ACL buffers of 1021 bytes x 8. Note that
// events go through hci_recv_frame as well as ACL data. VHCI_DEBUG=1 traces the traffic.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// Bluetooth is not in the kernel's UAPI export: these mirror include/net/bluetooth/
// bluetooth.h, hci.h, hci_sock.h and l2cap.h of Linux 6.1.
#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH 31
#endif
#define BTPROTO_HCI 1
#define HCIDEVUP _IOW('H', 201, int)
#define HCI_COMMAND_PKT 0x01
#define HCI_ACLDATA_PKT 0x02
#define HCI_EVENT_PKT 0x04
#define HCI_VENDOR_PKT 0xff
#define HCI_MAX_FRAME_SIZE (1024 + 4)
#define HCI_EV_CONN_COMPLETE 0x03
#define HCI_EV_CONN_REQUEST 0x04
#define HCI_EV_DISCONN_COMPLETE 0x05
#define HCI_EV_REMOTE_NAME 0x07
#define HCI_EV_REMOTE_FEATURES 0x0b
#define HCI_EV_CMD_COMPLETE 0x0e
#define HCI_EV_CMD_STATUS 0x0f
#define HCI_EV_NUM_COMP_PKTS 0x13
#define L2CAP_CID_SIGNALING 0x0001
#define L2CAP_INFO_REQ 0x0a
#define L2CAP_INFO_RSP 0x0b

#define VHCI_ACL_MTU 1021
#define VHCI_ACL_PKTS 8
#define VHCI_SIG_LOG 32

enum vhci_conn_state {
    VHCI_CONN_NONE,
    VHCI_CONN_REQUESTED, // Connection Request event injected
    VHCI_CONN_ACCEPTED,  // the kernel accepted it
    VHCI_CONN_CONFIG,    // the kernel asked for the remote features
    VHCI_CONN_READY,     // L2CAP sent its Information Request: it takes frames now
    VHCI_CONN_REFUSED,   // the kernel rejected the connection
    VHCI_CONN_CLOSED,    // the kernel disconnected
};

struct vhci {
    int fd, hci_sock, verbose, opened, thread_started;
    atomic_int stop;
    uint16_t index; // hciN
    uint8_t addr[6], peer[6];
    pthread_t thread;
    pthread_mutex_t lock; // guards the rest, shared with the controller thread
    pthread_cond_t cond;
    int error; // -errno once the controller thread has stopped
    uint16_t handle;
    enum vhci_conn_state conn;
    // First command of each signalling frame the kernel sent, kept until a wait takes it,
    // so that an answer arriving before the test starts waiting is not lost.
    unsigned sig_next;
    struct {
        uint8_t code, ident, used;
    } sig[VHCI_SIG_LOG];
};

static inline int vhci_write(struct vhci* v, const void* buf, size_t len) {
    // hci_vhci takes one whole packet per write(), so the thread and the test may both write.
    return write(v->fd, buf, len) == (ssize_t)len ? 0 : -errno;
}

static inline int vhci_event(struct vhci* v, uint8_t code, const void* par, uint8_t len) {
    uint8_t buf[3 + 255] = {HCI_EVENT_PKT, code, len};
    memcpy(buf + 3, par, len);
    if (v->verbose)
        fprintf(stderr, "vhci: event 0x%02x len %u\n", code, len);
    return vhci_write(v, buf, 3 + len);
}

static inline void vhci_set_conn(struct vhci* v, enum vhci_conn_state state) {
    pthread_mutex_lock(&v->lock);
    v->conn = state;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
}

// Commands acknowledged with Command Status, their result following as an event (or never,
// for those nothing in the kernel waits on).
static const uint16_t vhci_status_ops[] = {0x0401, 0x0405, 0x0406, 0x0409, 0x040a, 0x040f, 0x0411,
                                           0x0413, 0x0415, 0x0419, 0x041b, 0x041c, 0x041d, 0x0428,
                                           0x0429, 0x0803, 0x0804, 0x080b, 0x200d, 0x2016};

// Return parameter lengths (status included) of the reads init may send, as hci_cc_table
// checks them; any other command gets Command Complete with status 0 alone.
static const struct {
    uint16_t op;
    uint8_t len;
} vhci_rp_len[] = {
    {0x1001, 9},   {0x1002, 65}, {0x1003, 9}, {0x1004, 11}, {0x1005, 8}, {0x1009, 7},
    {0x0c14, 249}, {0x0c23, 4},  {0x0c25, 3}, {0x0c38, 2},  {0x0c39, 5}, {0x0c0d, 5},
    {0x0c1b, 5},   {0x0c12, 3},  {0x080e, 3}, {0x0c46, 2},  {0x0c58, 2}, {0x0c5a, 2},
};

static inline void vhci_on_command(struct vhci* v, const uint8_t* p, size_t len) {
    uint8_t par[255] = {0}, rp[3 + 255] = {0}, ev[255] = {0}, rlen = 1, status_only = 0;
    if (len < 3)
        return;
    const uint16_t op = p[0] | p[1] << 8;
    memcpy(par, p + 3, len - 3 < p[2] ? len - 3 : p[2]);
    if (v->verbose)
        fprintf(stderr, "vhci: command 0x%04x plen %u\n", op, p[2]);
    for (size_t i = 0; i < sizeof vhci_status_ops / sizeof vhci_status_ops[0]; i++)
        status_only |= vhci_status_ops[i] == op;
    for (size_t i = 0; i < sizeof vhci_rp_len / sizeof vhci_rp_len[0]; i++)
        if (vhci_rp_len[i].op == op)
            rlen = vhci_rp_len[i].len;
    if (status_only) {
        const uint8_t cs[4] = {0, 1, op & 0xff, op >> 8}; // status 0, room for 1 command
        vhci_event(v, HCI_EV_CMD_STATUS, cs, sizeof cs);
    }
    uint8_t* r = rp + 3; // Command Complete: room for 1 command, opcode, return parameters
    switch (op) {
    case 0x0409: // Accept Connection Request: the link is up at once
        pthread_mutex_lock(&v->lock);
        ev[1] = v->handle & 0xff, ev[2] = v->handle >> 8;
        pthread_mutex_unlock(&v->lock);
        memcpy(ev + 3, v->peer, 6);
        ev[9] = 0x01; // ACL, no encryption
        vhci_event(v, HCI_EV_CONN_COMPLETE, ev, 11);
        vhci_set_conn(v, VHCI_CONN_ACCEPTED);
        break;
    case 0x040a: // Reject Connection Request
        vhci_set_conn(v, VHCI_CONN_REFUSED);
        break;
    case 0x041b: // Read Remote Features: none, so no extended pages are asked for
        memcpy(ev + 1, par, 2);
        vhci_event(v, HCI_EV_REMOTE_FEATURES, ev, 11);
        vhci_set_conn(v, VHCI_CONN_CONFIG);
        break;
    case 0x0419: // Remote Name Request (the link is connected before the name comes)
        memcpy(ev + 1, v->peer, 6);
        memcpy(ev + 7, "mamori-peer", 11);
        vhci_event(v, HCI_EV_REMOTE_NAME, ev, 255);
        break;
    case 0x0406: // Disconnect
        memcpy(ev + 1, par, 2);
        ev[3] = 0x16; // terminated by the local host
        vhci_event(v, HCI_EV_DISCONN_COMPLETE, ev, 4);
        vhci_set_conn(v, VHCI_CONN_CLOSED);
        break;
    case 0x1001: // Read Local Version: HCI/LMP 4.0 (>= 2.0 spares a Change Packet Type)
        r[1] = r[4] = 0x06;
        r[5] = 0xf1, r[6] = 0x05; // manufacturer 0x05f1, the Linux Foundation
        break;
    case 0x1004: // Read Local Extended Features: the page asked for, empty
        r[1] = par[0];
        break;
    case 0x1005: // Read Buffer Size: ACL 1021 x 8, SCO 64 x 8
        r[1] = VHCI_ACL_MTU & 0xff, r[2] = VHCI_ACL_MTU >> 8;
        r[3] = 64, r[4] = VHCI_ACL_PKTS, r[6] = 8;
        break;
    case 0x1009: // Read BD ADDR: with a zero address the kernel would power hciN off again
        memcpy(r + 1, v->addr, 6);
        break;
    case 0x0c38: // Read Number of Supported IAC
        r[1] = 1;
        break;
    case 0x0c39: // Read Current IAC LAP: the GIAC
        r[1] = 1, r[2] = 0x33, r[3] = 0x8b, r[4] = 0x9e;
        break;
    }
    if (!status_only) {
        rp[0] = 1, rp[1] = op & 0xff, rp[2] = op >> 8;
        vhci_event(v, HCI_EV_CMD_COMPLETE, rp, 3 + rlen);
    }
}

// Sends `data` as one ACL packet with packet boundary flags `pb` (0x2: start of an
// automatically flushable PDU, 0x1: continuation, 0x0: start, not flushable).
static inline int vhci_send_acl_pb(struct vhci* v, uint16_t handle, uint8_t pb, const void* data,
                                   size_t len) {
    uint8_t buf[1 + HCI_MAX_FRAME_SIZE];
    if (len > sizeof buf - 5)
        return -EMSGSIZE;
    const uint16_t hf = (handle & 0x0fff) | (pb & 0x3) << 12;
    buf[0] = HCI_ACLDATA_PKT;
    buf[1] = hf & 0xff, buf[2] = hf >> 8;
    buf[3] = len & 0xff, buf[4] = len >> 8;
    memcpy(buf + 5, data, len);
    return vhci_write(v, buf, 5 + len);
}

// Sends a whole L2CAP frame (basic header included by the caller). Returns 0 or -errno.
static inline int vhci_send_acl(struct vhci* v, uint16_t handle, const void* l2cap_frame,
                                size_t len) {
    return vhci_send_acl_pb(v, handle, 0x2, l2cap_frame, len);
}

static inline void vhci_on_acl(struct vhci* v, const uint8_t* p, size_t len) {
    if (len < 4)
        return;
    const uint16_t handle = (p[0] | p[1] << 8) & 0x0fff;
    // Hand the buffer back at once: hci_sched_acl stops after VHCI_ACL_PKTS unacknowledged.
    const uint8_t nocp[5] = {1, handle & 0xff, handle >> 8, 1, 0};
    vhci_event(v, HCI_EV_NUM_COMP_PKTS, nocp, sizeof nocp);
    // Only a PDU's start has the L2CAP header; signalling frames (MTUsig 48) are never split.
    const uint8_t* l2 = p + 4;
    if ((p[1] >> 4 & 0x3) == 0x1 || len < 4 + 8 || (l2[2] | l2[3] << 8) != L2CAP_CID_SIGNALING)
        return;
    const uint8_t code = l2[4], ident = l2[5];
    if (v->verbose)
        fprintf(stderr, "vhci: L2CAP signal 0x%02x ident 0x%02x\n", code, ident);
    if (code == L2CAP_INFO_REQ && len >= 4 + 10) {
        // l2cap_conn_ready sent it: the link is BT_CONNECTED, frames reach L2CAP from now
        // on. "Not supported" ends the feature discovery without waiting for its 2 s timer.
        const uint8_t rsp[] = {8, 0, 1, 0, L2CAP_INFO_RSP, ident, 4, 0, l2[8], l2[9], 1, 0};
        vhci_send_acl(v, handle, rsp, sizeof rsp);
    }
    pthread_mutex_lock(&v->lock);
    if (code == L2CAP_INFO_REQ && v->conn < VHCI_CONN_READY)
        v->conn = VHCI_CONN_READY;
    const unsigned i = v->sig_next++ % VHCI_SIG_LOG;
    v->sig[i].code = code, v->sig[i].ident = ident, v->sig[i].used = 0;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
}

static inline void* vhci_thread(void* arg) {
    struct vhci* v = arg;
    uint8_t buf[1 + HCI_MAX_FRAME_SIZE + 16];
    int err = -ESHUTDOWN;
    while (!atomic_load(&v->stop)) {
        // A short poll so that vhci_close never waits long for a quiet kernel.
        struct pollfd pfd = {.fd = v->fd, .events = POLLIN};
        const int n = poll(&pfd, 1, 50);
        const ssize_t len = n > 0 ? read(v->fd, buf, sizeof buf) : n;
        if (len < 0 && errno != EINTR && errno != EAGAIN) {
            err = -errno;
            fprintf(stderr, "vhci: controller thread: /dev/vhci: %s\n", strerror(errno));
            break;
        }
        if (len > 0 && buf[0] == HCI_COMMAND_PKT)
            vhci_on_command(v, buf + 1, len - 1);
        else if (len > 0 && buf[0] == HCI_ACLDATA_PKT)
            vhci_on_acl(v, buf + 1, len - 1);
    }
    pthread_mutex_lock(&v->lock);
    v->error = err;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
    return NULL;
}

// Waits on v->cond until `timeout_ms` has passed since `start`; 0 once it has.
static inline int vhci_cond_wait(struct vhci* v, const struct timespec* start, int timeout_ms) {
    struct timespec t = *start;
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000)
        t.tv_sec++, t.tv_nsec -= 1000000000;
    return pthread_cond_timedwait(&v->cond, &v->lock, &t) != ETIMEDOUT;
}

static inline void vhci_close(struct vhci* v) {
    if (!v->opened)
        return;
    v->opened = 0;
    atomic_store(&v->stop, 1);
    if (v->thread_started)
        pthread_join(v->thread, NULL);
    if (v->hci_sock >= 0)
        close(v->hci_sock);
    // Releasing the file unregisters hciN; nothing on that path waits for an answer.
    if (v->fd >= 0)
        close(v->fd);
    pthread_cond_destroy(&v->cond);
    pthread_mutex_destroy(&v->lock);
}

// Creates a primary controller on /dev/vhci and brings it up, the thread answering the
// kernel's init commands. Returns 0, or -errno after saying on stderr what failed (then
// vhci_close is not needed).
static inline int vhci_open(struct vhci* v) {
    static const uint8_t addr[6] = {0x01, 0x00, 0x00, 0xaa, 0x1b, 0x00}; // 00:1B:AA:00:00:01
    static const uint8_t peer[6] = {0x02, 0x00, 0x00, 0xaa, 0x1b, 0x00}; // ...:02
    memset(v, 0, sizeof *v);
    v->fd = v->hci_sock = -1;
    memcpy(v->addr, addr, 6);
    memcpy(v->peer, peer, 6);
    v->verbose = getenv("VHCI_DEBUG") != NULL;
    v->opened = 1;
    pthread_mutex_init(&v->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->cond, &ca);
    pthread_condattr_destroy(&ca);

    const char* step = "open /dev/vhci";
    uint8_t buf[16];
    int err;
    if ((v->fd = open("/dev/vhci", O_RDWR | O_CLOEXEC)) < 0)
        goto fail;
    // Ask for a primary controller now (hci_vhci would make one after 1 s); the answer,
    // ff <type> <index le16>, is queued ahead of the commands of the power-on that follows.
    step = "create the controller (vendor packet)";
    if (write(v->fd, (const uint8_t[]){HCI_VENDOR_PKT, 0x00}, 2) != 2)
        goto fail;
    step = "read the controller index";
    struct pollfd pfd = {.fd = v->fd, .events = POLLIN};
    const int n = poll(&pfd, 1, 2000);
    const ssize_t len = n > 0 ? read(v->fd, buf, sizeof buf) : n;
    if (len != 4 || buf[0] != HCI_VENDOR_PKT) {
        errno = len < 0 ? errno : len == 0 ? ETIMEDOUT : EPROTO;
        goto fail;
    }
    v->index = buf[2] | buf[3] << 8;
    step = "start the controller thread";
    if ((errno = pthread_create(&v->thread, NULL, vhci_thread, v)) != 0)
        goto fail;
    v->thread_started = 1;
    step = "open an HCI socket";
    if ((v->hci_sock = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI)) < 0)
        goto fail;
    // Registering powered hciN on already, for its setup, to go off again after 2 s unless
    // something keeps it up: HCIDEVUP waits for that setup, keeps it up, says EALREADY.
    step = "HCIDEVUP";
    if (ioctl(v->hci_sock, HCIDEVUP, (unsigned long)v->index) < 0 && errno != EALREADY)
        goto fail;
    return 0;
fail:
    err = errno;
    fprintf(stderr, "vhci: %s: %s\n", step, strerror(err));
    vhci_close(v);
    return -err;
}

// Has the remote device connect over ACL with `handle` and waits until L2CAP takes frames on
// the link. The kernel accepts it with no listening socket (hdev->link_mode is
// HCI_LM_ACCEPT by default). Returns 0, or -errno after saying on stderr what failed.
static inline int vhci_connect(struct vhci* v, uint16_t handle, int timeout_ms) {
    uint8_t ev[10];
    memcpy(ev, v->peer, 6);
    ev[6] = 0x0c, ev[7] = 0x01, ev[8] = 0x00; // class of device: computer, laptop
    ev[9] = 0x01;                             // ACL
    pthread_mutex_lock(&v->lock);
    v->handle = handle;
    v->conn = VHCI_CONN_REQUESTED;
    pthread_mutex_unlock(&v->lock);
    int err = vhci_event(v, HCI_EV_CONN_REQUEST, ev, sizeof ev);
    if (err) {
        fprintf(stderr, "vhci: inject Connection Request: %s\n", strerror(-err));
        return err;
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_mutex_lock(&v->lock);
    while (v->conn < VHCI_CONN_READY && !v->error && vhci_cond_wait(v, &start, timeout_ms)) {
    }
    const enum vhci_conn_state state = v->conn;
    err = v->error;
    pthread_mutex_unlock(&v->lock);
    if (state == VHCI_CONN_READY)
        return 0;
    err = err ? err : state > VHCI_CONN_READY ? -ECONNREFUSED : -ETIMEDOUT;
    fprintf(stderr, "vhci: connect handle 0x%04x: %s: %s\n", handle,
            state == VHCI_CONN_REQUESTED  ? "no Accept Connection Request"
            : state == VHCI_CONN_ACCEPTED ? "no Read Remote Features"
            : state == VHCI_CONN_CONFIG   ? "no L2CAP Information Request"
                                          : "rejected or disconnected",
            strerror(-err));
    return err;
}

// Waits for a signalling frame (CID 0x0001) from the kernel whose first command has `code`
// and, if `ident` >= 0, that identifier. Any frame since vhci_open counts, each matches
// once. Returns 1 if seen, 0 on timeout, -errno if the controller thread has stopped.
static inline int vhci_wait_l2cap_signal_id(struct vhci* v, uint8_t code, int ident,
                                            int timeout_ms) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int ret = 0;
    pthread_mutex_lock(&v->lock);
    // One more look after the deadline passed, then give up.
    for (int waiting = 1;; waiting = vhci_cond_wait(v, &start, timeout_ms)) {
        for (unsigned i = 0; i < VHCI_SIG_LOG && i < v->sig_next && !ret; i++) {
            if (!v->sig[i].used && v->sig[i].code == code &&
                (ident < 0 || v->sig[i].ident == ident))
                v->sig[i].used = ret = 1;
        }
        if (ret || (ret = v->error) || !waiting)
            break;
    }
    pthread_mutex_unlock(&v->lock);
    return ret;
}

static inline int vhci_wait_l2cap_signal(struct vhci* v, uint8_t code, int timeout_ms) {
    return vhci_wait_l2cap_signal_id(v, code, -1, timeout_ms);
}
