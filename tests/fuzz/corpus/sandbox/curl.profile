# curl: a short-lived client. Everything it needs is stateless, so the filter alone enforces
# this profile (no supervisor needed).
[Application]
Id=se.haxx.Curl
Binary=/usr/bin/curl

[Syscalls]
# No clone3: its flags live in memory, where the clone rule below cannot see them.
Allow=@default;@basic-io;@file-system;@io-event;@network-io;@signal;@timer;@sync;ioctl;madvise;mremap;pipe2;clone;wait4;getcwd;sysinfo;socketpair;prctl
Deny=@debug;@keyring;@mount;@module;@privileged;@obsolete;@reboot;@swap;@raw-io;@cpu-emulation;execve;execveat
# ENOSYS, not EPERM: programs read it as "kernel too old" and fall back, e.g. glibc from clone3
# (flags in memory, out of the clone rule's reach, so never allowed here) to clone.
DefaultAction=errno:ENOSYS

[Arguments]
socket=family in {AF_UNIX,AF_INET,AF_INET6,AF_NETLINK}
clone=flags & CLONE_NEWUSER == 0
