# memcached: parse options, bind, drop privileges and start threads (init); then the worker
# threads serve from worker_libevent's epoll loop (serve).
[Application]
Id=org.memcached.Memcached
Binary=/usr/bin/memcached
Include=base-server

[Phases]
Order=init;serve
Switch.serve=first:epoll_wait

[Phase init]
Allow=@setuid;execve;arch_prctl;set_tid_address;bind;listen;mlockall;setrlimit;setsid;prctl;capget;capset;chdir;getcwd;sched_setaffinity

[Phase serve]
Allow=epoll_wait

[Serialize]
# memcached never truncates files; no pair to serialize.
Pairs=!mremap|ftruncate
