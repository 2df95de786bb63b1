// How a guest test program reports: "PASS <suite> <case>" or "FAIL <suite> <case>: <why>" lines
// on the serial console, which run-guest.sh reads. Define GUEST_SUITE before including.
#ifndef MAMORI_GUEST_REPORT_H
#define MAMORI_GUEST_REPORT_H

#include <stdio.h>

static int failures;

static void report(const char* name, int ok, const char* why) {
    if (ok) {
        printf("PASS " GUEST_SUITE " %s\n", name);
    } else {
        printf("FAIL " GUEST_SUITE " %s: %s\n", name, why);
        ++failures;
    }
    fflush(stdout);
}

#endif
