# The guest's profile for mamori-run on the patched kernel (guest/userspace_test.c runs
# guest/sandboxed_calls.c under it): each stateful rule must be decided by the seccomp-eBPF
# filter, since there is no mamorid to supervise in the guest.
[Application]
Id=org.mamori.GuestStateful

[Syscalls]
Allow=@system-service;keyctl;openat;getppid;clock_nanosleep
DefaultAction=errno:EACCES
DenyAction=errno:EDQUOT
AllowUnsafePointerChecks=true

[Limits]
keyctl=3

[Serialize]
Pairs=clock_nanosleep|getppid

[Arguments]
openat=path prefix /tmp/allowed
