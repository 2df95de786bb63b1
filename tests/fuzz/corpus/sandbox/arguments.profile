[Syscalls]
Allow=clone;mmap
[Arguments]
clone=flags & CLONE_NEWUSER|CLONE_NEWNS == 0 && arg1 >= 0x10
mmap=prot in {PROT_READ,PROT_READ|PROT_WRITE}
