# Shared base for network servers: what a daemon needs to start, serve sockets and log.
# Included by nginx.profile and memcached.profile; not meant to be run on its own.
[Syscalls]
# What a server needs in every phase. Deliberately not @system-service: identity changes,
# binding, forking and exec belong to the init phase of each server's own profile.
Allow=@basic-io;@io-event;@network-io;@signal;@timer;@sync;@aio;brk;mmap;munmap;mprotect;madvise;mremap;futex;rseq;restart_syscall;exit;exit_group;getpid;getppid;gettid;getuid;geteuid;getgid;getegid;getrandom;clock_gettime;clock_nanosleep;nanosleep;gettimeofday;sched_yield;sched_getaffinity;set_robust_list;get_robust_list;prlimit64;getrlimit;uname;sysinfo;umask;openat;open;close;fstat;newfstatat;statx;stat;lstat;getdents64;readlink;access;faccessat;fcntl;flock;ioctl;sendfile;ftruncate;fallocate;fstatfs;pipe2;eventfd2;clone;wait4;kill;tgkill;getrusage;keyctl;memfd_create
# Debuggers, kernel keyrings, mounts, modules, raw I/O and reboot are never needed by a server.
Deny=@debug;@mount;@module;@raw-io;@reboot;@swap;@clock;@obsolete;@cpu-emulation;add_key;request_key;userfaultfd;bpf;kexec_load
# ENOSYS, not EPERM: programs read it as "kernel too old" and fall back, e.g. glibc from clone3
# (flags in memory, out of the clone rule's reach, so never allowed here) to clone.
DefaultAction=errno:ENOSYS
DenyAction=kill

[Limits]
# CVE-2016-0728 needed ~2^32 keyctl calls; a server uses a handful.
keyctl=16
# CVE-2019-11487 (page refcount overflow through io_submit).
io_submit=4096

[Serialize]
# CVE-2018-18281: mremap racing ftruncate on the same mapping.
Pairs=mremap|ftruncate

[Arguments]
# Servers speak IP and local sockets; packet and netlink sockets are not theirs.
socket=family in {AF_UNIX,AF_INET,AF_INET6}
# No new user namespaces (the usual first step of a local privilege escalation).
clone=flags & CLONE_NEWUSER == 0
