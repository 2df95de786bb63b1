// The seccomp-eBPF series in the guest: each case installs a hand-written eBPF filter in a
// child process and checks what the filter decided — results no classic filter could give
// (a count, a phase, a string behind a pointer), so each PASS is the eBPF filter's doing.
#define _GNU_SOURCE // setresuid
#define GUEST_SUITE "seccomp-ebpf"
#include "bpf_insn.h"
#include "guest_report.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#define ALLOW SECCOMP_RET_ALLOW
#define DENY(e) (SECCOMP_RET_ERRNO | (e))
#define NR offsetof(struct seccomp_data, nr)
#define ARG(n) (offsetof(struct seccomp_data, args) + 8 * (n))

static char verifierLog[65536];

// A case run in a child: it held when the child exited with 0.
static void reportChild(const char* name, int status) {
    char why[64];
    snprintf(why, sizeof why, "child status %d", status);
    report(name, status == 0, why);
}

static int install(const struct bpf_insn* insns, size_t count) {
    const int prog =
        prog_load(BPF_PROG_TYPE_SECCOMP, insns, count, verifierLog, sizeof verifierLog);
    if (prog < 0) {
        fprintf(stderr, "load: %s\n%s\n", strerror(errno), verifierLog);
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_EXTENDED, &prog) != 0) {
        fprintf(stderr, "install: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

// Runs `body` in a child; its exit status 0 means the case held.
static int inChild(int (*body)(int), int arg) {
    const pid_t pid = fork();
    if (pid == 0) {
        _exit(body(arg));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

// The kernel knows the flag: with a NULL argument it fails reading it, not on the flag.
static void probe(void) {
    const long ret =
        syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_EXTENDED, NULL);
    report("probe", ret == -1 && errno == EFAULT, strerror(errno));
}

// keyctl allowed 16 times, then EDQUOT (CVE-2016-0728's refcount overflow needs ~2^32 calls).
enum { kKeyctlLimit = 16, kKeyctlCalls = 40 };

static int countLimitBody(int map) {
    const struct bpf_insn insns[] = {
        MOV64_REG(BPF_REG_6, BPF_REG_1),
        LDX_W(BPF_REG_0, BPF_REG_6, NR),
        JNE_IMM(BPF_REG_0, __NR_keyctl, 11),
        ST_W(BPF_REG_10, -4, 0),
        LD_MAP_FD(BPF_REG_1, map),
        MOV64_REG(BPF_REG_2, BPF_REG_10),
        ADD64_IMM(BPF_REG_2, -4),
        CALL(BPF_FUNC_map_lookup_elem),
        JEQ_IMM(BPF_REG_0, 0, 4),
        MOV64_IMM(BPF_REG_1, 1),
        ATOMIC_ADD_DW(BPF_REG_0, BPF_REG_1, 0),
        LDX_DW(BPF_REG_1, BPF_REG_0, 0),
        JGT_IMM(BPF_REG_1, kKeyctlLimit, 2),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
        MOV32_IMM(BPF_REG_0, DENY(EDQUOT)),
        EXIT(),
    };
    if (install(insns, sizeof insns / sizeof insns[0]) != 0) {
        return 2;
    }
    int refused = 0;
    int firstRefused = -1;
    for (int i = 0; i < kKeyctlCalls; ++i) {
        // KEYCTL_GET_KEYRING_ID of the session keyring, not created: harmless either way.
        if (syscall(__NR_keyctl, 0, -3, 0) == -1 && errno == EDQUOT) {
            if (firstRefused < 0) {
                firstRefused = i;
            }
            ++refused;
        }
    }
    printf("  keyctl: first refused call %d, %d of %d refused\n", firstRefused, refused,
           kKeyctlCalls);
    return firstRefused == kKeyctlLimit && refused == kKeyctlCalls - kKeyctlLimit ? 0 : 1;
}

static void countLimit(void) {
    const int map = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
    const int status = inChild(countLimitBody, map);
    uint32_t key = 0;
    uint64_t count = 0;
    map_lookup(map, &key, &count);
    char why[128];
    snprintf(why, sizeof why, "child status %d, filter counted %llu", status,
             (unsigned long long)count);
    report("count-limit", status == 0 && count == kKeyctlCalls, why);
    close(map);
}

// Two phases: socket() is init-only; the first epoll_create1 enters the serve phase.
static int phaseBody(int map) {
    const struct bpf_insn insns[] = {
        MOV64_REG(BPF_REG_6, BPF_REG_1),
        ST_W(BPF_REG_10, -4, 0),
        LD_MAP_FD(BPF_REG_1, map),
        MOV64_REG(BPF_REG_2, BPF_REG_10),
        ADD64_IMM(BPF_REG_2, -4),
        CALL(BPF_FUNC_map_lookup_elem),
        JEQ_IMM(BPF_REG_0, 0, 9),
        LDX_W(BPF_REG_1, BPF_REG_6, NR),
        JNE_IMM(BPF_REG_1, __NR_epoll_create1, 2),
        ST_DW(BPF_REG_0, 0, 1),
        JA(5),
        JNE_IMM(BPF_REG_1, __NR_socket, 4),
        LDX_DW(BPF_REG_2, BPF_REG_0, 0),
        JEQ_IMM(BPF_REG_2, 0, 2),
        MOV32_IMM(BPF_REG_0, DENY(EPERM)),
        EXIT(),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
    };
    if (install(insns, sizeof insns / sizeof insns[0]) != 0) {
        return 2;
    }
    const int before = socket(AF_UNIX, SOCK_STREAM, 0);
    if (before < 0) {
        printf("  socket refused in the init phase: %s\n", strerror(errno));
        return 1;
    }
    if (epoll_create1(0) < 0) {
        return 3;
    }
    const int after = socket(AF_UNIX, SOCK_STREAM, 0);
    if (after >= 0 || errno != EPERM) {
        printf("  socket in the serve phase: %d (%s)\n", after, strerror(errno));
        return 1;
    }
    return 0;
}

static void phases(void) {
    const int map = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
    reportChild("phase-switch", inChild(phaseBody, map));
    close(map);
}

// openat(2) of a path starting /tmp/secret is refused with EACCES: the filter reads the
// string behind the pointer argument (12 bytes: the first 11 characters and a NUL).
static int pathBody(int unused) {
    (void)unused;
    // "/tmp/sec" and "ret\0" as little-endian words.
    const uint64_t word0 = 0x6365732f706d742fULL;
    const uint64_t word1 = 0x746572ULL;
    const struct bpf_insn insns[] = {
        MOV64_REG(BPF_REG_6, BPF_REG_1),
        LDX_W(BPF_REG_0, BPF_REG_6, NR),
        JNE_IMM(BPF_REG_0, __NR_openat, 17),
        ST_DW(BPF_REG_10, -16, 0),
        ST_DW(BPF_REG_10, -8, 0),
        MOV64_REG(BPF_REG_1, BPF_REG_10),
        ADD64_IMM(BPF_REG_1, -16),
        MOV64_IMM(BPF_REG_2, 12),
        LDX_DW(BPF_REG_3, BPF_REG_6, ARG(1)),
        CALL(BPF_FUNC_probe_read_user_str),
        LDX_DW(BPF_REG_1, BPF_REG_10, -16),
        LD_IMM64(BPF_REG_2, word0),
        JNE_REG(BPF_REG_1, BPF_REG_2, 6),
        LDX_W(BPF_REG_1, BPF_REG_10, -8),
        LD_IMM64(BPF_REG_2, word1),
        JNE_REG(BPF_REG_1, BPF_REG_2, 2),
        MOV32_IMM(BPF_REG_0, DENY(EACCES)),
        EXIT(),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
    };
    if (install(insns, sizeof insns / sizeof insns[0]) != 0) {
        return 2;
    }
    const int open = openat(AT_FDCWD, "/tmp/public-notes", O_CREAT | O_WRONLY, 0600);
    if (open < 0) {
        printf("  /tmp/public-notes: %s\n", strerror(errno));
        return 1;
    }
    const int secret = openat(AT_FDCWD, "/tmp/secret-notes", O_CREAT | O_WRONLY, 0600);
    if (secret >= 0 || errno != EACCES) {
        printf("  /tmp/secret-notes: %d (%s)\n", secret, strerror(errno));
        return 1;
    }
    return 0;
}

static void pathArgument(void) {
    reportChild("path-argument", inChild(pathBody, 0));
}

// The context is read-only: a filter writing seccomp_data is refused by the verifier.
static void readOnlyContext(void) {
    const struct bpf_insn insns[] = {
        ST_W(BPF_REG_1, 0, 0),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
    };
    const int prog = prog_load(BPF_PROG_TYPE_SECCOMP, insns, sizeof insns / sizeof insns[0],
                               verifierLog, sizeof verifierLog);
    report("read-only-context", prog < 0 && errno == EACCES, "a write to the context loaded");
    if (prog >= 0) {
        close(prog);
    }
}

// Stacked with a classic filter, every filter runs and the most restrictive answer wins,
// whichever kind gave it: getppid refused by the classic one, keyctl by the eBPF one.
static int stackedBody(int unused) {
    (void)unused;
    const struct bpf_insn insns[] = {
        LDX_W(BPF_REG_0, BPF_REG_1, NR),    JNE_IMM(BPF_REG_0, __NR_keyctl, 2),
        MOV32_IMM(BPF_REG_0, DENY(EDQUOT)), EXIT(),
        MOV32_IMM(BPF_REG_0, ALLOW),        EXIT(),
    };
    if (install(insns, sizeof insns / sizeof insns[0]) != 0) {
        return 2;
    }
    struct sock_filter classic[] = {
        {BPF_LD | BPF_W | BPF_ABS, 0, 0, NR},
        {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_getppid},
        {BPF_RET | BPF_K, 0, 0, DENY(EPERM)},
        {BPF_RET | BPF_K, 0, 0, ALLOW},
    };
    struct sock_fprog program = {sizeof classic / sizeof classic[0], classic};
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
        return 3;
    }
    const long ppid = syscall(__NR_getppid);
    const int ppidErrno = errno;
    const long key = syscall(__NR_keyctl, 0, -3, 0);
    const int keyErrno = errno;
    const long pid = syscall(__NR_getpid);
    printf("  getppid %ld (%s), keyctl %ld (%s), getpid %ld\n", ppid, strerror(ppidErrno), key,
           strerror(keyErrno), pid);
    return ppid == -1 && ppidErrno == EPERM && key == -1 && keyErrno == EDQUOT && pid > 0 ? 0 : 1;
}

static void stacked(void) {
    reportChild("stacked-with-classic", inChild(stackedBody, 0));
}

// A serialized pair: nanosleep and getppid are one group (bpf_seccomp_serialize(1)). While
// one thread sleeps in nanosleep, another thread's getppid waits until it returns; getpid, not
// in the group, does not wait.
static void* sleepInGroup(void* unused) {
    (void)unused;
    const struct timespec nap = {0, 400 * 1000 * 1000};
    syscall(__NR_nanosleep, &nap, NULL);
    return NULL;
}

static double millisecondsOf(long nr) {
    struct timespec start;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    syscall(nr);
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
}

static int serializeBody(int unused) {
    (void)unused;
    const struct bpf_insn insns[] = {
        LDX_W(BPF_REG_0, BPF_REG_1, NR),
        JEQ_IMM(BPF_REG_0, __NR_nanosleep, 3),
        JEQ_IMM(BPF_REG_0, __NR_getppid, 2),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
        MOV64_IMM(BPF_REG_1, 1),
        CALL(BPF_FUNC_seccomp_serialize),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
    };
    if (install(insns, sizeof insns / sizeof insns[0]) != 0) {
        return 2;
    }
    pthread_t sleeper;
    if (pthread_create(&sleeper, NULL, sleepInGroup, NULL) != 0) {
        return 3;
    }
    const struct timespec settle = {0, 100 * 1000 * 1000};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &settle, NULL);
    const double unrelated = millisecondsOf(__NR_getpid);
    const double paired = millisecondsOf(__NR_getppid);
    pthread_join(sleeper, NULL);
    printf("  during the group's nanosleep: getpid %.1f ms, getppid %.1f ms\n", unrelated, paired);
    return paired >= 150 && unrelated < 50 ? 0 : 1;
}

// Task storage of the calling process: keyctl allowed 3 times per process. Two processes
// under the same filter each get their own 3 (a map shared by the sandbox would give the
// second none); the storage lives in a BPF_MAP_TYPE_TASK_STORAGE map, which needs BTF for its
// key and value: a two-type BTF blob (int, u64) is built here by hand.
enum { kPerProcessLimit = 3, kPerProcessCalls = 5 };

static int loadIntBtf(void) {
    struct {
        struct btf_header header;
        struct btf_type intType;
        uint32_t intData;
        struct btf_type u64Type;
        uint32_t u64Data;
        char strings[9];
    } __attribute__((packed)) blob = {
        .header = {.magic = BTF_MAGIC,
                   .version = BTF_VERSION,
                   .hdr_len = sizeof blob.header,
                   .type_off = 0,
                   .type_len = 2 * (sizeof(struct btf_type) + 4),
                   .str_off = 2 * (sizeof(struct btf_type) + 4),
                   .str_len = 9},
        .intType = {.name_off = 1, .info = BTF_KIND_INT << 24, .size = 4},
        .intData = (BTF_INT_SIGNED << 24) | 32,
        .u64Type = {.name_off = 5, .info = BTF_KIND_INT << 24, .size = 8},
        .u64Data = 64,
        .strings = "\0int\0u64",
    };
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.btf = (uint64_t)(uintptr_t)&blob;
    attr.btf_size = sizeof blob;
    return (int)bpf_call(BPF_BTF_LOAD, &attr);
}

static int taskStorageMap(void) {
    const int btf = loadIntBtf();
    if (btf < 0) {
        printf("  BTF_LOAD: %s\n", strerror(errno));
        return -1;
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_TASK_STORAGE;
    attr.key_size = 4;
    attr.value_size = 8;
    attr.map_flags = BPF_F_NO_PREALLOC;
    attr.btf_fd = (uint32_t)btf;
    attr.btf_key_type_id = 1;
    attr.btf_value_type_id = 2;
    const int map = (int)bpf_call(BPF_MAP_CREATE, &attr);
    if (map < 0) {
        printf("  task storage map: %s\n", strerror(errno));
    }
    close(btf);
    return map;
}

// How many of kPerProcessCalls keyctl calls this process got.
static int keyctlsAllowed(void) {
    int allowed = 0;
    for (int i = 0; i < kPerProcessCalls; ++i) {
        allowed += syscall(__NR_keyctl, 0, -3, 0) != -1 || errno != EDQUOT;
    }
    return allowed;
}

static int processKeyctls(int unused) {
    (void)unused;
    return keyctlsAllowed();
}

static int taskStorageBody(int map) {
    const struct bpf_insn insns[] = {
        MOV64_REG(BPF_REG_6, BPF_REG_1),
        LDX_W(BPF_REG_0, BPF_REG_6, NR),
        JNE_IMM(BPF_REG_0, __NR_keyctl, 11),
        LD_MAP_FD(BPF_REG_1, map),
        MOV64_IMM(BPF_REG_2, 0), // the task: ignored, the calling process's storage
        MOV64_IMM(BPF_REG_3, 0),
        MOV64_IMM(BPF_REG_4, BPF_LOCAL_STORAGE_GET_F_CREATE),
        CALL(BPF_FUNC_task_storage_get),
        JEQ_IMM(BPF_REG_0, 0, 6),
        MOV64_IMM(BPF_REG_1, 1),
        ATOMIC_ADD_DW(BPF_REG_0, BPF_REG_1, 0),
        LDX_DW(BPF_REG_1, BPF_REG_0, 0),
        JGT_IMM(BPF_REG_1, kPerProcessLimit, 2),
        MOV32_IMM(BPF_REG_0, ALLOW),
        EXIT(),
        MOV32_IMM(BPF_REG_0, DENY(EDQUOT)),
        EXIT(),
    };
    if (install(insns, sizeof insns / sizeof insns[0]) != 0) {
        return 20;
    }
    const int first = inChild(processKeyctls, 0);
    const int second = inChild(processKeyctls, 0);
    const int own = keyctlsAllowed();
    printf("  keyctl calls allowed per process: %d, %d, %d (limit %d of %d)\n", first, second, own,
           kPerProcessLimit, kPerProcessCalls);
    return first == kPerProcessLimit && second == kPerProcessLimit && own == kPerProcessLimit ? 0
                                                                                              : 1;
}

static void taskStorage(void) {
    const int map = taskStorageMap();
    if (map < 0) {
        report("task-storage", 0, "no task storage map");
        return;
    }
    reportChild("task-storage", inChild(taskStorageBody, map));
    close(map);
}

// kernel.seccomp.ebpf_unprivileged: without CAP_BPF a filter loads only when it is 1
// (kernel.unprivileged_bpf_disabled opened too), and then it works like a privileged one.
static int writeSysctl(const char* path, const char* value) {
    const int fd = open(path, O_WRONLY);
    const int ok = fd >= 0 && write(fd, value, strlen(value)) == (ssize_t)strlen(value);
    if (fd >= 0) {
        close(fd);
    }
    return ok ? 0 : -1;
}

static int unprivilegedBody(int expectLoad) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
        return 20;
    }
    const struct bpf_insn insns[] = {
        LDX_W(BPF_REG_0, BPF_REG_1, NR),    JEQ_IMM(BPF_REG_0, __NR_getppid, 2),
        MOV32_IMM(BPF_REG_0, ALLOW),        EXIT(),
        MOV32_IMM(BPF_REG_0, DENY(EACCES)), EXIT(),
    };
    const int prog = prog_load(BPF_PROG_TYPE_SECCOMP, insns, 6, NULL, 0);
    if (!expectLoad) {
        return prog < 0 && errno == EPERM ? 0 : 21;
    }
    if (prog < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_EXTENDED, &prog) != 0) {
        printf("  unprivileged load or install: %s\n", strerror(errno));
        return 22;
    }
    return syscall(__NR_getppid) == -1 && errno == EACCES ? 0 : 23;
}

static void unprivileged(void) {
    const char* knob = "/proc/sys/kernel/seccomp/ebpf_unprivileged";
    if (writeSysctl("/proc/sys/kernel/unprivileged_bpf_disabled", "0") != 0 ||
        writeSysctl(knob, "0") != 0) {
        report("unprivileged-sysctl", 0, "cannot write the sysctls");
        return;
    }
    reportChild("unprivileged-refused-by-default", inChild(unprivilegedBody, 0));
    writeSysctl(knob, "1");
    reportChild("unprivileged-allowed-by-sysctl", inChild(unprivilegedBody, 1));
    writeSysctl(knob, "0");
    writeSysctl("/proc/sys/kernel/unprivileged_bpf_disabled", "2");
}

int main(void) {
    probe();
    readOnlyContext();
    countLimit();
    phases();
    pathArgument();
    stacked();
    reportChild("serialized-pair", inChild(serializeBody, 0));
    taskStorage();
    unprivileged();
    return failures == 0 ? 0 : 1;
}
