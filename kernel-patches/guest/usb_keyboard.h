// qemu's USB keyboard in the guest (0627:0001; run-guest.sh types on it through QMP): finding
// its evdev node and counting the key events that reach the input layer.
#ifndef MAMORI_USB_KEYBOARD_H
#define MAMORI_USB_KEYBOARD_H

#include "lbm_guest.h"

#include <linux/input.h>
#include <poll.h>
#include <sys/ioctl.h>

#define KEYBOARD_VENDOR 0x0627
#define KEYBOARD_PRODUCT 0x0001

// The evdev node of qemu's keyboard; USB enumeration runs after /init starts, so it waits.
static inline int open_keyboard(void) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        for (int n = 0; n < 16; ++n) {
            char path[64];
            snprintf(path, sizeof path, "/dev/input/event%d", n);
            const int fd = open(path, O_RDONLY | O_NONBLOCK);
            if (fd < 0) {
                continue;
            }
            struct input_id id;
            if (ioctl(fd, EVIOCGID, &id) == 0 && id.bustype == BUS_USB &&
                id.vendor == KEYBOARD_VENDOR && id.product == KEYBOARD_PRODUCT) {
                return fd;
            }
            close(fd);
        }
        usleep(100 * 1000);
    }
    return -1;
}

// Key presses and releases read from the keyboard within `ms`.
static inline int count_keys(int fd, int ms) {
    struct input_event events[64];
    int keys = 0;
    const double end = lbm_now_ms() + ms;
    for (double now = lbm_now_ms(); now < end; now = lbm_now_ms()) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(end - now) + 1) <= 0) {
            continue;
        }
        const ssize_t got = read(fd, events, sizeof events);
        for (ssize_t i = 0; got > 0 && i < got / (ssize_t)sizeof events[0]; ++i) {
            keys += events[i].type == EV_KEY;
        }
    }
    return keys;
}

#endif
