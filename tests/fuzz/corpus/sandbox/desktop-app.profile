# A generic desktop application (GTK or Qt, Wayland or X11, D-Bus, PulseAudio/PipeWire).
# Broad on purpose; tighten per application in an admin or user layer.
[Application]
Id=org.mamori.GenericDesktopApp

[Syscalls]
Allow=@system-service;@network-io;@io-event;@ipc;@timer;@signal;@sync;@memlock;@pkey;@aio
Deny=@debug;@mount;@module;@raw-io;@reboot;@swap;@clock;@cpu-emulation;@obsolete;bpf;kexec_load;open_by_handle_at;userfaultfd;clone3
# ENOSYS, not EPERM: programs read it as "kernel too old" and fall back, e.g. glibc from clone3
# (flags in memory, out of the clone rule's reach, so never allowed here) to clone.
DefaultAction=errno:ENOSYS

[Limits]
keyctl=64

[Arguments]
socket=family in {AF_UNIX,AF_INET,AF_INET6,AF_NETLINK}
clone=flags & CLONE_NEWUSER == 0
