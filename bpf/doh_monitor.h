/* Shared between bpf/doh_monitor.bpf.c and service/dns/doh/DohProbes.cpp.
 * Plain C, no includes: the BPF side gets __u8/__u32/__u64 from vmlinux.h, user space from
 * <linux/types.h> before including this header. The library name rule lives here, as a static
 * inline function, so that the kernel's look at a process's mapped files and the user-space
 * finder (service/dns/doh/TlsLibraryFinder) accept the very same file names; so does the
 * early rejection of plain GET requests, which user-space tests run as it is.
 *
 * The DoH monitor reads the plaintext of TLS connections at the library's API (uprobes on
 * OpenSSL's SSL_write/SSL_read[_ex] and GnuTLS's gnutls_record_send/recv) and keeps a verdict
 * per connection, keyed by (tgid, SSL* or gnutls_session_t): only connections that may carry
 * DoH cost a ring-buffer copy, and those only up to a budget until user space decided. */
#ifndef MAMORI_BPF_DOH_MONITOR_H
#define MAMORI_BPF_DOH_MONITOR_H

/* Plaintext bytes of an undecided connection copied in total (writes and reads together):
 * enough for an HTTP/1.1 request line and headers, or the HTTP/2 preface, SETTINGS and the
 * first HEADERS frames. Once spent without a verdict, the kernel marks the connection
 * DOH_VERDICT_NOT_DOH itself. */
#define DOH_UNDECIDED_BUDGET 4096
/* Bytes copied per call of a DoH connection: one full TLS record, so that no read or write of
 * a DoH connection is cut unless the app hands the library more than a record at once. */
#define DOH_MAX_EVENT_DATA 16384
/* Longest server name sent (RFC 1035 names are at most 253 characters). */
#define DOH_MAX_SERVER_NAME 255
/* Bytes of a connection's first write searched for an HTTP/1.x GET request line that cannot
 * be DoH (see doh_get_line_rejects()). */
#define DOH_REQUEST_LINE_SCAN 256
/* TASK_COMM_LEN. */
#define DOH_COMM_LEN 16

/* Entries of the per-connection `connections` LRU map, of `pending` (one call in flight per
 * thread) and of `known_files`. */
#define DOH_MAX_CONNECTIONS 65536
#define DOH_MAX_PENDING_CALLS 16384
#define DOH_MAX_KNOWN_FILES 4096
/* Ring buffer sizes (bytes, powers of two). */
#define DOH_EVENTS_RING_SIZE (4 * 1024 * 1024)
#define DOH_FILE_RING_SIZE (64 * 1024)

/* OpenSSL's SSL_CTRL_SET_TLSEXT_HOSTNAME: SSL_set_tlsext_host_name(s, name) is
 * SSL_ctrl(s, 55, TLSEXT_NAMETYPE_host_name, name) in OpenSSL 1.1 and 3. */
#define DOH_SSL_CTRL_SET_TLSEXT_HOSTNAME 55
/* GnuTLS's GNUTLS_NAME_DNS, the only name type gnutls_server_name_set() knows. */
#define DOH_GNUTLS_NAME_DNS 1

enum doh_event_kind {
    DOH_EVENT_WRITE = 0,
    DOH_EVENT_READ = 1,
    DOH_EVENT_SERVER_NAME = 2,
};

enum doh_library {
    DOH_LIBRARY_NONE = 0,
    DOH_LIBRARY_OPENSSL = 1,
    DOH_LIBRARY_GNUTLS = 2,
};

/* The value of `connections`: what is known about one connection. */
enum doh_verdict {
    DOH_VERDICT_UNDECIDED = 0,
    DOH_VERDICT_DOH = 1,
    DOH_VERDICT_NOT_DOH = 2,
};

struct doh_connection_key {
    __u32 tgid;
    __u32 reserved; /* always 0: keys are compared bytewise */
    __u64 connection;
};

struct doh_connection_state {
    __u32 verdict; /* enum doh_verdict */
    __u32 copied;  /* bytes copied while undecided, towards DOH_UNDECIDED_BUDGET */
};

/* One record of the `events` ring buffer: a header, then data_length bytes of data
 * (data_length <= DOH_MAX_EVENT_DATA). The record may be longer than header + data_length:
 * the kernel reserves it in a size class (512, 4096 or 16384 bytes of data). */
struct doh_tls_event {
    __u32 kind;    /* enum doh_event_kind */
    __u32 library; /* enum doh_library */
    __u64 connection;
    __u32 pid; /* tgid */
    __u32 tid;
    __u64 cgroup_id;
    /* Bytes the call carried (written, read, or the name's length); data may be shorter. */
    __u32 total_length;
    __u32 data_length;
    char comm[DOH_COMM_LEN];
    __u8 data[DOH_MAX_EVENT_DATA];
};

#define DOH_TLS_EVENT_HEADER_SIZE ((unsigned long)&((struct doh_tls_event*)0)->data)

/* What a `file_events` record is about. */
enum doh_file_kind {
    DOH_FILE_OPENSSL = DOH_LIBRARY_OPENSSL,
    DOH_FILE_GNUTLS = DOH_LIBRARY_GNUTLS,
    /* A dynamic loader (ld.so) nobody watches yet, mapped by a process that just exec'd. */
    DOH_FILE_LOADER = 3,
};

/* One record of the `file_events` ring buffer: process `pid` has a file mapped executable that
 * is not in `known_files` (a TLS library, or the dynamic loader it was exec'd with). User space
 * reads that process's maps to find the file's path. The device is the kernel's dev_t encoding
 * (major << 20 | minor), as /proc/<pid>/maps shows it split into major:minor. */
struct doh_file_event {
    __u32 pid;
    __u32 kind; /* enum doh_file_kind */
    __u64 device;
    __u64 inode;
};

/* The key of `known_files`: files user space has attached to (or given up on), which the
 * kernel then stays quiet about. Same encoding as doh_file_event. */
struct doh_file_key {
    __u64 device;
    __u64 inode;
};

/* In .bss, written by user space through the skeleton's mmap. */
struct doh_monitor_config {
    /* mamorid's own process (tgid): its upstream TLS is not an app bypassing it. 0: none. */
    __u32 exempt_tgid;
    __u32 reserved;
};

/* Slots of the per-CPU `counters` array. */
enum doh_counter {
    DOH_CTR_EVENTS = 0,         /* records written to `events` */
    DOH_CTR_BYTES = 1,          /* plaintext bytes in those records */
    DOH_CTR_DROPPED = 2,        /* records lost because `events` was full */
    DOH_CTR_BUDGET_SPENT = 3,   /* connections the kernel set to NOT_DOH: budget spent */
    DOH_CTR_EARLY_REJECTED = 4, /* connections the kernel set to NOT_DOH: a plain GET */
    DOH_CTR_READ_FAILED = 5,    /* calls whose buffer could not be read (not resident) */
    DOH_CTR_FILE_EVENTS = 6,    /* records written to `file_events` */
    DOH_CTR_FILE_DROPPED = 7,   /* records lost because `file_events` was full */
    DOH_CTR_COUNT = 8,
};

/* Which TLS library a file name (the last path component, NUL-terminated within `size`
 * bytes) is: "libssl.so" and "libssl.so.<version>" are OpenSSL, "libgnutls.so" and
 * "libgnutls.so.<version>" GnuTLS. Not matched on purpose: libgnutls-openssl (an OpenSSL API
 * over GnuTLS, whose calls reach gnutls_record_* anyway), libgnutls-dane, libgnutlsxx,
 * libssl3.so (NSS, another API). */
static inline int doh_has_prefix(const char* name, unsigned long size, const char* prefix,
                                 unsigned long prefix_length) {
    if (size < prefix_length)
        return 0;
    for (unsigned long i = 0; i < prefix_length; i++) {
        if (name[i] != prefix[i])
            return 0;
    }
    return 1;
}

static inline enum doh_library doh_library_of_name(const char* name, unsigned long size) {
    if (doh_has_prefix(name, size, "libssl.so", 9) &&
        (size == 9 || name[9] == '\0' || name[9] == '.'))
        return DOH_LIBRARY_OPENSSL;
    if (doh_has_prefix(name, size, "libgnutls.so", 12) &&
        (size == 12 || name[12] == '\0' || name[12] == '.'))
        return DOH_LIBRARY_GNUTLS;
    return DOH_LIBRARY_NONE;
}

/* The early rejection: 1 when the first bytes a connection wrote are an HTTP/1.x GET request
 * whose request line cannot be a DoH request. RFC 8484 GET puts the query into the "dns"
 * parameter of the URI, so a complete request line (ended by CR or LF within the first
 * DOH_REQUEST_LINE_SCAN bytes) with neither "dns" (any case) nor a '%' (which could spell it
 * percent-encoded) cannot carry one. Anything else (POST, which DoH uses with any path,
 * HTTP/2, a longer line) is 0: left to user space.
 * `data` must hold DOH_REQUEST_LINE_SCAN + 2 readable bytes, of which the first `length`
 * count: the look-ahead for "dns" reads two bytes past the one examined without checking
 * `length`. Bytes past `length` cannot change the result: a request line that does not end
 * within `length` gives 0 anyway.
 * In steps, so that the BPF program can drive doh_get_line_step() from an iterator the
 * verifier checks once instead of once per byte. */
#define DOH_GET_LINE_GO_ON 2

static inline int doh_get_line_start(const __u8* data, __u32 length) {
    return length >= 4 && data[0] == 'G' && data[1] == 'E' && data[2] == 'T' && data[3] == ' ';
}

/* Byte i (4 <= i < DOH_REQUEST_LINE_SCAN) of a line doh_get_line_start() accepted: the
 * result (0 or 1), or DOH_GET_LINE_GO_ON. | 0x20 lowers letters; 'd', 'n', 's' then match
 * nothing else. */
static inline int doh_get_line_step(const __u8* data, __u32 length, __u32 i) {
    if (i >= length)
        return 0;
    __u8 c = data[i];
    if (c == '\r' || c == '\n')
        return 1;
    if (c == '%')
        return 0;
    if ((c | 0x20) == 'd' && (data[i + 1] | 0x20) == 'n' && (data[i + 2] | 0x20) == 's')
        return 0;
    return DOH_GET_LINE_GO_ON;
}

static inline int doh_get_line_rejects(const __u8* data, __u32 length) {
    if (!doh_get_line_start(data, length))
        return 0;
    for (__u32 i = 4; i < DOH_REQUEST_LINE_SCAN; i++) {
        int result = doh_get_line_step(data, length, i);
        if (result != DOH_GET_LINE_GO_ON)
            return result;
    }
    return 0;
}

#endif
