# nginx: a master that reads its configuration, binds and forks workers (init), and workers
# that only accept and serve (serve). The switch is the first epoll_wait: nginx reaches it in
# ngx_worker_process_cycle once start-up is done.
[Application]
Id=org.nginx.Nginx
Binary=/usr/sbin/nginx
Include=base-server

[Syscalls]
Allow=sendfile;pwritev;io_setup;io_getevents;epoll_create1

[Phases]
Order=init;serve
Switch.serve=first:epoll_wait

[Phase init]
# Only while starting: change identity, bind, create the pid file, fork the workers.
Allow=@setuid;@chown;execve;arch_prctl;set_tid_address;bind;listen;mkdir;rename;unlink;fork;prctl;capget;capset;setrlimit;setsid;getcwd;chdir;socketpair;shutdown;pread64

[Phase serve]
Allow=epoll_wait

[Limits]
io_submit=1024
