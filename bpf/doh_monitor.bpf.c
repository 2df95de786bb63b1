// SPDX-License-Identifier: GPL-2.0
/* DoH monitor: reads the plaintext of TLS connections at the library's API, so that user space
 * (service/dns/doh) can find the DNS-over-HTTPS queries apps send themselves.
 *
 * Only function arguments and return values are read: no offset into OpenSSL's or GnuTLS's
 * structs (those differ between releases). Each connection (tgid, SSL* or gnutls_session_t)
 * has a verdict in `connections`:
 *   - NOT_DOH: costs a map lookup per call, nothing is copied, no pending call is saved;
 *   - UNDECIDED: its calls are copied until DOH_UNDECIDED_BUDGET bytes in total, then the
 *     kernel marks it NOT_DOH itself; a first write that is an HTTP/1.x GET whose request line
 *     cannot carry a DoH query marks it NOT_DOH at once, without an event;
 *   - DOH (set by user space): each call copied, up to DOH_MAX_EVENT_DATA bytes.
 * Server names (SNI) are always sent, and reset the connection to UNDECIDED: a client sets
 * the name before its handshake, on a new connection or a reused SSL object.
 *
 * Writes are copied at return, like reads: only then is it known how many bytes the library
 * took. A non-blocking write that fails with WANT_WRITE / GNUTLS_E_AGAIN is retried by the app
 * with the same buffer, and a partial write with the rest of it; copying at entry would hand
 * the decoder those bytes twice and break its framing.
 *
 * New library files: at exec the dynamic loader has not mapped any library yet, so exec alone
 * cannot tell. The loader itself can: it calls _dl_debug_state() (the debugger interface of
 * glibc and musl) after it mapped the program's libraries and after every dlopen()/dlclose().
 * A uprobe there walks the process's executable file mappings and reports, through
 * `file_events`, a TLS library (doh_library_of_name) not in `known_files`; user space then
 * reads that process's maps and attaches. The exec tracepoint reports loaders nobody watches
 * yet (a container's own ld.so), which are mapped by then. All this runs on the kernel's
 * tracepoint and uprobe support alone: no BPF trampolines (fentry/fexit) or kprobes, which
 * kernels without ftrace direct calls or CONFIG_KPROBES lack. */
/* vmlinux.h must come first: it defines the types all the others use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "doh_monitor.h"
/* clang-format on */

/* How the byte count of a finished call is found. */
enum return_mode {
    RETURN_INT_BYTES = 0,     /* SSL_write/SSL_read: int return > 0 is the byte count */
    RETURN_SSIZE_BYTES = 1,   /* gnutls_record_send/recv: ssize_t return > 0 */
    RETURN_EX_LENGTH_PTR = 2, /* SSL_write_ex/SSL_read_ex: return 1, count in *length_ptr */
};

/* A call between its uprobe and its uretprobe, per thread. */
struct pending_call {
    __u64 connection;
    __u64 buffer;
    __u64 length_ptr;
    __u32 kind;
    __u32 library;
    __u32 return_mode;
    __u32 reserved;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, DOH_MAX_CONNECTIONS);
    __type(key, struct doh_connection_key);
    __type(value, struct doh_connection_state);
} connections SEC(".maps");

/* GnuTLS sessions between gnutls_record_cork and gnutls_record_uncork: their sends only fill
 * the cork buffer, and uncork sends all of it again through gnutls_record_send. Copying both
 * would hand the decoder every byte twice. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, DOH_MAX_CONNECTIONS);
    __type(key, struct doh_connection_key);
    __type(value, __u8);
} corked SEC(".maps");

/* Keyed by pid_tgid. LRU: a thread that never returns (longjmp, killed) leaves its entry. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, DOH_MAX_PENDING_CALLS);
    __type(key, __u64);
    __type(value, struct pending_call);
} pending SEC(".maps");

/* Filled by user space; the value is the enum doh_file_kind. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, DOH_MAX_KNOWN_FILES);
    __type(key, struct doh_file_key);
    __type(value, __u32);
} known_files SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, DOH_EVENTS_RING_SIZE);
} events SEC(".maps");

/* Separate and small, so that a flood of TLS events cannot crowd out a new library. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, DOH_FILE_RING_SIZE);
} file_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, DOH_CTR_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

struct doh_monitor_config monitor_config = {};

static __always_inline void count(__u32 slot, __u64 amount) {
    __u64* value = bpf_map_lookup_elem(&counters, &slot);
    if (value)
        *value += amount;
}

static __always_inline int exempt(__u64 pid_tgid) {
    __u32 exempt_tgid = monitor_config.exempt_tgid;
    return exempt_tgid != 0 && (__u32)(pid_tgid >> 32) == exempt_tgid;
}

static __always_inline struct doh_connection_key connection_key(__u64 pid_tgid, __u64 connection) {
    struct doh_connection_key key = {};
    key.tgid = pid_tgid >> 32;
    key.connection = connection;
    return key;
}

/* Entry of a read or write: remembers where the data is, unless the connection is known not
 * to be DoH (then the return probe finds nothing and stops at its first lookup). */
static __always_inline int save_call(void* connection, const void* buffer, void* length_ptr,
                                     __u32 kind, __u32 library, __u32 return_mode) {
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    if (exempt(pid_tgid))
        return 0;
    struct doh_connection_key key = connection_key(pid_tgid, (__u64)connection);
    struct doh_connection_state* state = bpf_map_lookup_elem(&connections, &key);
    if (state && state->verdict == DOH_VERDICT_NOT_DOH)
        return 0;
    struct pending_call call = {};
    call.connection = (__u64)connection;
    call.buffer = (__u64)buffer;
    call.length_ptr = (__u64)length_ptr;
    call.kind = kind;
    call.library = library;
    call.return_mode = return_mode;
    bpf_map_update_elem(&pending, &pid_tgid, &call, BPF_ANY);
    return 0;
}

/* The byte count of a finished call, 0 when it failed or carried nothing. */
static __always_inline __u64 call_bytes(const struct pending_call* call, __u64 ret) {
    if (call->return_mode == RETURN_INT_BYTES) {
        int bytes = (int)ret;
        return bytes > 0 ? (__u64)bytes : 0;
    }
    if (call->return_mode == RETURN_SSIZE_BYTES) {
        long bytes = (long)ret;
        return bytes > 0 ? (__u64)bytes : 0;
    }
    if ((int)ret != 1 || call->length_ptr == 0)
        return 0;
    __u64 bytes = 0;
    if (bpf_probe_read_user(&bytes, sizeof(bytes), (const void*)call->length_ptr) != 0)
        return 0;
    return bytes;
}

static __always_inline void fill_header(struct doh_tls_event* event, __u64 pid_tgid, __u32 kind,
                                        __u32 library, __u64 connection, __u64 total,
                                        __u32 length) {
    event->kind = kind;
    event->library = library;
    event->connection = connection;
    event->pid = pid_tgid >> 32;
    event->tid = (__u32)pid_tgid;
    event->cgroup_id = bpf_get_current_cgroup_id();
    event->total_length = total > 0xffffffffULL ? 0xffffffffU : (__u32)total;
    event->data_length = length;
    bpf_get_current_comm(event->comm, sizeof(event->comm));
}

/* Events are written straight into ring space reserved for them, never into a per-CPU
 * buffer: a uprobe program runs with migration disabled but may be preempted (PREEMPT_RCU),
 * and a second program on the same CPU would overwrite a shared buffer. Reservations need a
 * constant size, so data goes into one of three size classes; user space reads data_length. */
#define DOH_SMALL_EVENT_DATA 512
#define DOH_MEDIUM_EVENT_DATA 4096

static __always_inline struct doh_tls_event* reserve_event(__u32 capacity) {
    struct doh_tls_event* event =
        bpf_ringbuf_reserve(&events, DOH_TLS_EVENT_HEADER_SIZE + capacity, 0);
    if (!event)
        count(DOH_CTR_DROPPED, 1);
    return event;
}

static __always_inline void submit(struct doh_tls_event* event, __u32 length) {
    bpf_ringbuf_submit(event, 0);
    count(DOH_CTR_EVENTS, 1);
    count(DOH_CTR_BYTES, length);
}

/* The connection's state, created UNDECIDED when the connection is new. */
static __always_inline struct doh_connection_state*
connection_state(const struct doh_connection_key* key) {
    struct doh_connection_state* state = bpf_map_lookup_elem(&connections, key);
    if (state)
        return state;
    struct doh_connection_state fresh = {};
    bpf_map_update_elem(&connections, key, &fresh, BPF_NOEXIST);
    return bpf_map_lookup_elem(&connections, key);
}

/* The number iterator (kernel 6.4+): the verifier checks a loop over it once, with the index
 * as a range, instead of once per index as it does a plain bounded loop. */
extern int bpf_iter_num_new(struct bpf_iter_num* it, int start, int end) __weak __ksym;
extern int* bpf_iter_num_next(struct bpf_iter_num* it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num* it) __weak __ksym;

/* doh_get_line_rejects() on an event's data, which has room for the two bytes of look-ahead
 * past DOH_REQUEST_LINE_SCAN it needs (the smallest size class is larger). */
static __always_inline int get_line_rejects(const __u8* data, __u32 length) {
    if (!doh_get_line_start(data, length))
        return 0;
    struct bpf_iter_num it;
    int* index;
    int result = 0;
    bpf_iter_num_new(&it, 4, DOH_REQUEST_LINE_SCAN);
    while ((index = bpf_iter_num_next(&it))) {
        __u32 i = *index;
        if (i >= DOH_REQUEST_LINE_SCAN)
            break;
        int step = doh_get_line_step(data, length, i);
        if (step != DOH_GET_LINE_GO_ON) {
            result = step;
            break;
        }
    }
    bpf_iter_num_destroy(&it);
    return result;
}

/* A read or write that returned, and what of it to copy. */
struct finished_call {
    struct pending_call call;
    __u64 pid_tgid;
    __u64 total;  /* bytes the call carried */
    __u32 length; /* bytes to copy, <= total */
    __u32 may_reject;
};

/* Copies done->length (<= capacity) bytes into a new event of that size class. With
 * may_reject (a connection's first bytes, written), a request line doh_get_line_rejects()
 * accepts is discarded instead and 1 returned. A function of its own (static: verified per
 * call, with that call's constant capacity): inlined three times, clang merges the copies and
 * the verifier loses which bound belongs to which reservation. */
static __noinline int copy_call(__u32 capacity, const struct finished_call* done) {
    __u32 length = done->length;
    if (length > capacity)
        return 0;
    struct doh_tls_event* event = reserve_event(capacity);
    if (!event)
        return 0;
    if (bpf_probe_read_user(event->data, length, (const void*)done->call.buffer) != 0) {
        bpf_ringbuf_discard(event, BPF_RB_NO_WAKEUP);
        count(DOH_CTR_READ_FAILED, 1);
        return 0;
    }
    if (done->may_reject && done->call.kind == DOH_EVENT_WRITE &&
        get_line_rejects(event->data, length)) {
        bpf_ringbuf_discard(event, BPF_RB_NO_WAKEUP);
        return 1;
    }
    fill_header(event, done->pid_tgid, done->call.kind, done->call.library, done->call.connection,
                done->total, length);
    submit(event, length);
    return 0;
}

/* Return of a read or write: copies what the budget or the verdict allows. */
static __always_inline int finish_call(__u64 ret) {
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    struct pending_call* saved = bpf_map_lookup_elem(&pending, &pid_tgid);
    if (!saved)
        return 0;
    struct pending_call call = *saved;
    bpf_map_delete_elem(&pending, &pid_tgid);

    __u64 total = call_bytes(&call, ret);
    if (total == 0)
        return 0;
    struct doh_connection_key key = connection_key(pid_tgid, call.connection);
    struct doh_connection_state* state = connection_state(&key);
    if (!state)
        return 0;
    __u32 verdict = state->verdict;
    if (verdict == DOH_VERDICT_NOT_DOH)
        return 0;

    __u32 length = total > DOH_MAX_EVENT_DATA ? DOH_MAX_EVENT_DATA : (__u32)total;
    __u32 copied_before = 0;
    if (verdict != DOH_VERDICT_DOH) {
        copied_before = state->copied;
        if (copied_before >= DOH_UNDECIDED_BUDGET) {
            state->verdict = DOH_VERDICT_NOT_DOH;
            return 0;
        }
        __u32 left = DOH_UNDECIDED_BUDGET - copied_before;
        if (length > left)
            length = left;
    }

    struct finished_call done = {};
    done.call = call;
    done.pid_tgid = pid_tgid;
    done.total = total;
    done.length = length;
    done.may_reject = copied_before == 0 && verdict != DOH_VERDICT_DOH;
    int rejected = 0;
    if (length <= DOH_SMALL_EVENT_DATA)
        rejected = copy_call(DOH_SMALL_EVENT_DATA, &done);
    else if (length <= DOH_MEDIUM_EVENT_DATA)
        rejected = copy_call(DOH_MEDIUM_EVENT_DATA, &done);
    else
        rejected = copy_call(DOH_MAX_EVENT_DATA, &done);
    if (verdict == DOH_VERDICT_DOH)
        return 0;
    if (rejected) {
        state->verdict = DOH_VERDICT_NOT_DOH;
        count(DOH_CTR_EARLY_REJECTED, 1);
        return 0;
    }
    /* A plain store: neither library lets two threads use one connection at once. Bytes of
     * an event the full ring dropped count too: the budget bounds the work, not the result. */
    state->copied = copied_before + length;
    if (copied_before + length >= DOH_UNDECIDED_BUDGET) {
        state->verdict = DOH_VERDICT_NOT_DOH;
        count(DOH_CTR_BUDGET_SPENT, 1);
    }
    return 0;
}

/* A new server name: the start of a connection. Its state starts over and the name is sent. */
static __always_inline int server_name(void* connection, const void* name, __u64 name_length,
                                       __u32 library) {
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    if (exempt(pid_tgid) || !name)
        return 0;
    struct doh_connection_key key = connection_key(pid_tgid, (__u64)connection);
    struct doh_connection_state fresh = {};
    bpf_map_update_elem(&connections, &key, &fresh, BPF_ANY);

    struct doh_tls_event* event = reserve_event(DOH_MAX_SERVER_NAME + 1);
    if (!event)
        return 0;
    __u32 length = 0;
    if (name_length == 0) {
        /* NUL-terminated (OpenSSL): the helper counts the NUL. */
        long copied = bpf_probe_read_user_str(event->data, DOH_MAX_SERVER_NAME + 1, name);
        length = copied > 1 ? (__u32)copied - 1 : 0;
    } else {
        length = name_length > DOH_MAX_SERVER_NAME ? DOH_MAX_SERVER_NAME : (__u32)name_length;
        barrier_var(length);
        if (length > DOH_MAX_SERVER_NAME || bpf_probe_read_user(event->data, length, name) != 0)
            length = 0;
    }
    if (length == 0) {
        bpf_ringbuf_discard(event, BPF_RB_NO_WAKEUP);
        return 0;
    }
    fill_header(event, pid_tgid, DOH_EVENT_SERVER_NAME, library, (__u64)connection, length, length);
    submit(event, length);
    return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_entry, void* ssl, const void* buffer, int num) {
    return save_call(ssl, buffer, 0, DOH_EVENT_WRITE, DOH_LIBRARY_OPENSSL, RETURN_INT_BYTES);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_entry, void* ssl, const void* buffer, __u64 num, void* written) {
    return save_call(ssl, buffer, written, DOH_EVENT_WRITE, DOH_LIBRARY_OPENSSL,
                     RETURN_EX_LENGTH_PTR);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_entry, void* ssl, void* buffer, int num) {
    return save_call(ssl, buffer, 0, DOH_EVENT_READ, DOH_LIBRARY_OPENSSL, RETURN_INT_BYTES);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_entry, void* ssl, void* buffer, __u64 num, void* readbytes) {
    return save_call(ssl, buffer, readbytes, DOH_EVENT_READ, DOH_LIBRARY_OPENSSL,
                     RETURN_EX_LENGTH_PTR);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_send_entry, void* session, const void* data, __u64 size) {
    struct doh_connection_key key = connection_key(bpf_get_current_pid_tgid(), (__u64)session);
    if (bpf_map_lookup_elem(&corked, &key))
        return 0; /* uncork sends it again */
    return save_call(session, data, 0, DOH_EVENT_WRITE, DOH_LIBRARY_GNUTLS, RETURN_SSIZE_BYTES);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_cork_entry, void* session) {
    struct doh_connection_key key = connection_key(bpf_get_current_pid_tgid(), (__u64)session);
    __u8 one = 1;
    bpf_map_update_elem(&corked, &key, &one, BPF_ANY);
    return 0;
}

SEC("uprobe")
int BPF_KPROBE(gnutls_uncork_entry, void* session) {
    struct doh_connection_key key = connection_key(bpf_get_current_pid_tgid(), (__u64)session);
    bpf_map_delete_elem(&corked, &key);
    return 0;
}

SEC("uprobe")
int BPF_KPROBE(gnutls_recv_entry, void* session, void* data, __u64 size) {
    return save_call(session, data, 0, DOH_EVENT_READ, DOH_LIBRARY_GNUTLS, RETURN_SSIZE_BYTES);
}

/* The return of all six functions above: how to count the bytes was saved at entry. */
SEC("uretprobe")
int BPF_KRETPROBE(tls_call_return, __u64 ret) {
    return finish_call(ret);
}

/* SSL_ctrl(ssl, cmd, larg, parg): most SSL_set_ and SSL_get_ macros of OpenSSL go through it;
 * only the host-name command costs more than this comparison. */
SEC("uprobe")
int BPF_KPROBE(ssl_ctrl_entry, void* ssl, int cmd, long larg, void* parg) {
    if (cmd != DOH_SSL_CTRL_SET_TLSEXT_HOSTNAME)
        return 0;
    return server_name(ssl, parg, 0, DOH_LIBRARY_OPENSSL);
}

SEC("uprobe")
int BPF_KPROBE(gnutls_server_name_set_entry, void* session, int type, const void* name,
               __u64 name_length) {
    if (type != DOH_GNUTLS_NAME_DNS || name_length == 0)
        return 0;
    return server_name(session, name, name_length, DOH_LIBRARY_GNUTLS);
}

/* SSL_free / gnutls_deinit: the address may come back for the next connection, which must not
 * inherit this one's verdict. */
SEC("uprobe")
int BPF_KPROBE(tls_connection_free, void* connection) {
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    if (exempt(pid_tgid))
        return 0;
    struct doh_connection_key key = connection_key(pid_tgid, (__u64)connection);
    bpf_map_delete_elem(&connections, &key);
    return 0;
}

/* The open-coded VMA iterator (kernel 6.4+). */
extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma* it, struct task_struct* task,
                                 __u64 addr) __weak __ksym;
extern struct vm_area_struct* bpf_iter_task_vma_next(struct bpf_iter_task_vma* it) __weak __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma* it) __weak __ksym;

/* VM_EXEC of include/linux/mm.h: a value, not a layout, so CO-RE has nothing to relocate. */
#define DOH_VM_EXEC 0x4UL

static __always_inline struct doh_file_key file_key(struct file* file) {
    struct doh_file_key key = {};
    key.device = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
    key.inode = BPF_CORE_READ(file, f_inode, i_ino);
    return key;
}

static __always_inline void report_file(__u32 kind, const struct doh_file_key* key) {
    struct doh_file_event event = {};
    event.pid = bpf_get_current_pid_tgid() >> 32;
    event.kind = kind;
    event.device = key->device;
    event.inode = key->inode;
    if (bpf_ringbuf_output(&file_events, &event, sizeof(event), 0) != 0) {
        count(DOH_CTR_FILE_DROPPED, 1);
        return;
    }
    count(DOH_CTR_FILE_EVENTS, 1);
}

/* _dl_debug_state() of a watched loader: the process's libraries changed. One report per call
 * is enough, user space reads all of the process's maps. Each library has one executable
 * mapping, so the names read are about as many as the libraries. */
SEC("uprobe")
int BPF_KPROBE(loader_state_changed) {
    struct task_struct* task = bpf_get_current_task_btf();
    struct bpf_iter_task_vma it;
    struct vm_area_struct* vma;
    __u32 kind = DOH_LIBRARY_NONE;
    struct doh_file_key key = {};

    bpf_iter_task_vma_new(&it, task, 0);
    while ((vma = bpf_iter_task_vma_next(&it))) {
        if (!(vma->vm_flags & DOH_VM_EXEC) || !vma->vm_file)
            continue;
        char name[32] = {};
        const unsigned char* name_ptr = vma->vm_file->f_path.dentry->d_name.name;
        if (bpf_probe_read_kernel_str(name, sizeof(name), name_ptr) <= 0)
            continue;
        __u32 library = doh_library_of_name(name, sizeof(name));
        if (library == DOH_LIBRARY_NONE)
            continue;
        key = file_key(vma->vm_file);
        if (bpf_map_lookup_elem(&known_files, &key))
            continue;
        kind = library;
        break;
    }
    bpf_iter_task_vma_destroy(&it);
    if (kind != DOH_LIBRARY_NONE)
        report_file(kind, &key);
    return 0;
}

/* A process was exec'd: the kernel mapped the program and its loader (if any); a loader that
 * is not watched yet (first seen, or a container's own) is reported. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_loader_check, struct task_struct* task, pid_t old_pid,
             struct linux_binprm* bprm) {
    struct inode* program = BPF_CORE_READ(task, mm, exe_file, f_inode);
    struct bpf_iter_task_vma it;
    struct vm_area_struct* vma;
    int found = 0;
    struct doh_file_key key = {};

    bpf_iter_task_vma_new(&it, task, 0);
    while ((vma = bpf_iter_task_vma_next(&it))) {
        if (!(vma->vm_flags & DOH_VM_EXEC) || !vma->vm_file)
            continue;
        if (vma->vm_file->f_inode == program)
            continue;
        key = file_key(vma->vm_file);
        found = !bpf_map_lookup_elem(&known_files, &key);
        break;
    }
    bpf_iter_task_vma_destroy(&it);
    if (found)
        report_file(DOH_FILE_LOADER, &key);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
