[Syscalls]
Allow=ptrace
Deny=ptrace
