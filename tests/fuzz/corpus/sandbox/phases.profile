[Syscalls]
Allow=@default;keyctl;mremap;ftruncate;socket;openat;epoll_wait
Deny=ptrace
DefaultAction=errno:EPERM
AllowUnsafePointerChecks=true
[Phases]
Order=init;serve
Switch.serve=first:epoll_wait
[Phase init]
Allow=bind
[Limits]
keyctl=16
[Serialize]
Pairs=mremap|ftruncate
[Arguments]
socket=family in {AF_UNIX,AF_INET}
openat=path prefix /var/www
