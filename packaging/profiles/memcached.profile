# memcached: parse options, start the worker threads, bind, drop privileges (init); then serve.
# The workers enter their epoll loop before the main thread has bound its socket, so the first
# epoll_wait comes too early: serving begins with the first accepted connection.
[Application]
Id=org.memcached.Memcached
Binary=/usr/bin/memcached
Include=base-server

[Phases]
Order=init;serve
Switch.serve=first:accept4

[Phase init]
Allow=@setuid;execve;arch_prctl;set_tid_address;bind;listen;mlockall;setrlimit;setsid;prctl;capget;capset;chdir;getcwd;sched_setaffinity

[Phase serve]
Allow=accept4

[Serialize]
# memcached never truncates files; no pair to serialize.
Pairs=!mremap|ftruncate
