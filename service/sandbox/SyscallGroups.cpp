#include "sandbox/SyscallGroups.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <seccomp.h>

namespace mamori::sandbox {
namespace {

struct Group {
    std::string_view name;
    // Space-separated syscall names and nested '@group' names.
    std::string_view members;
};

// Written down from the syscalls' documented purpose (man 2 pages), not copied from any project.
// Nested groups keep the table short and make the larger sets track the smaller ones.
constexpr std::array kGroups = {
    Group{"@aio", "io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents "
                  "io_uring_setup io_uring_enter io_uring_register"},
    Group{"@basic-io", "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 "
                       "close close_range lseek dup dup2 dup3"},
    Group{"@chown", "chown fchown lchown fchownat"},
    Group{"@clock", "adjtimex clock_adjtime settimeofday clock_settime"},
    Group{"@cpu-emulation", "modify_ldt vm86 vm86old"},
    Group{"@debug", "ptrace process_vm_readv process_vm_writev perf_event_open kcmp "
                    "lookup_dcookie pidfd_getfd"},
    Group{"@default", "arch_prctl brk clock_getres clock_gettime clock_nanosleep execve execveat "
                      "exit exit_group futex futex_waitv get_robust_list get_thread_area getegid "
                      "geteuid getgid getgroups getpgid getpgrp getpid getppid getrandom getresgid "
                      "getresuid getrlimit getsid gettid gettimeofday getuid membarrier mmap "
                      "mprotect munmap nanosleep pause prlimit64 restart_syscall rseq "
                      "rt_sigreturn sched_getaffinity sched_yield set_robust_list "
                      "set_thread_area set_tid_address time uname"},
    Group{"@file-system",
          "access chdir chmod close creat faccessat faccessat2 fallocate fchdir fchmod fchmodat "
          "fcntl fgetxattr flistxattr fremovexattr fsetxattr fstat fstatfs ftruncate getcwd "
          "getdents getdents64 getxattr inotify_add_watch inotify_init inotify_init1 "
          "inotify_rm_watch lgetxattr link linkat listxattr llistxattr lremovexattr lsetxattr "
          "lstat mkdir mkdirat mknod mknodat mmap munmap newfstatat open openat openat2 readlink "
          "readlinkat removexattr rename renameat renameat2 rmdir setxattr stat statfs statx "
          "symlink symlinkat truncate unlink unlinkat utime utimensat utimes"},
    Group{"@io-event", "_newselect epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 "
                       "epoll_wait eventfd eventfd2 poll ppoll pselect6 select"},
    Group{"@ipc", "ipc memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive "
                  "mq_timedsend mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 "
                  "process_vm_readv process_vm_writev semctl semget semop semtimedop shmat "
                  "shmctl shmdt shmget"},
    Group{"@keyring", "add_key keyctl request_key"},
    Group{"@memlock", "mlock mlock2 mlockall munlock munlockall"},
    Group{"@module", "delete_module finit_module init_module"},
    Group{"@mount", "chroot fsconfig fsmount fsopen fspick mount mount_setattr move_mount "
                    "open_tree pivot_root umount umount2"},
    Group{"@network-io", "accept accept4 bind connect getpeername getsockname getsockopt listen "
                         "recv recvfrom recvmmsg recvmsg send sendmmsg sendmsg sendto setsockopt "
                         "shutdown socket socketcall socketpair"},
    Group{"@obsolete", "_sysctl afs_syscall bdflush break create_module ftime get_kernel_syms "
                       "getpmsg gtty idle lock mpx prof profil putpmsg query_module "
                       "security sgetmask ssetmask stime stty sysfs tuxcall ulimit uselib "
                       "ustat vserver"},
    Group{"@pkey", "pkey_alloc pkey_free pkey_mprotect"},
    Group{"@privileged",
          "@chown @clock @module @raw-io @reboot @swap _sysctl acct bpf capset chroot "
          "fanotify_init fanotify_mark nfsservctl open_by_handle_at pivot_root quotactl "
          "quotactl_fd setdomainname setfsuid setgroups sethostname setresuid setreuid setuid "
          "swapoff swapon"},
    Group{"@process", "capget clone clone3 execveat fork getrusage kill pidfd_open "
                      "pidfd_send_signal prctl rt_sigqueueinfo rt_tgsigqueueinfo setns "
                      "swapcontext tgkill times tkill unshare vfork wait4 waitid"},
    Group{"@raw-io", "ioperm iopl pciconfig_iobase pciconfig_read pciconfig_write"},
    Group{"@reboot", "kexec_file_load kexec_load reboot"},
    Group{"@resources", "ioprio_set mbind migrate_pages move_pages nice sched_setaffinity "
                        "sched_setattr sched_setparam sched_setscheduler set_mempolicy "
                        "set_mempolicy_home_node setpriority setrlimit"},
    Group{"@setuid", "setgid setgroups setregid setresgid setresuid setreuid setuid setfsgid "
                     "setfsuid"},
    Group{"@signal", "rt_sigaction rt_sigpending rt_sigprocmask rt_sigsuspend rt_sigtimedwait "
                     "sigaltstack signalfd signalfd4"},
    Group{"@swap", "swapoff swapon"},
    Group{"@sync", "fdatasync fsync msync sync sync_file_range syncfs"},
    Group{"@system-service",
          "@aio @basic-io @chown @default @file-system @io-event @ipc @keyring @memlock "
          "@network-io @process @resources @setuid @signal @sync @timer "
          "brk capget capset copy_file_range fadvise64 flock get_mempolicy getcpu getpriority "
          "ioctl ioprio_get kcmp madvise mremap name_to_handle_at oldolduname olduname "
          "personality readahead readdir remap_file_pages sched_get_priority_max "
          "sched_get_priority_min sched_getattr sched_getparam sched_getscheduler "
          "sched_rr_get_interval sendfile sendfile64 setfsgid setfsuid setpgid setsid "
          "splice sysinfo tee umask uname userfaultfd vmsplice"},
    Group{"@timer", "alarm getitimer setitimer timer_create timer_delete timer_getoverrun "
                    "timer_gettime timer_settime timerfd_create timerfd_gettime timerfd_settime "
                    "times"},
};

const Group* findGroup(std::string_view name) {
    const auto it = std::find_if(kGroups.begin(), kGroups.end(),
                                 [&](const Group& g) { return g.name == name; });
    return it == kGroups.end() ? nullptr : &*it;
}

std::vector<std::string_view> split(std::string_view text) {
    std::vector<std::string_view> words;
    while (!text.empty()) {
        const auto space = text.find(' ');
        if (space != 0) {
            words.push_back(text.substr(0, space));
        }
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    }
    return words;
}

// Depth is bounded by the table (no group includes itself), so plain recursion is fine.
void expandInto(const Group& group, std::set<std::string>& out) {
    for (const auto member : split(group.members)) {
        if (member.front() == '@') {
            if (const Group* nested = findGroup(member)) {
                expandInto(*nested, out);
            }
            continue;
        }
        if (SyscallGroups::resolve(member) >= 0) {
            out.emplace(member);
        }
    }
}

} // namespace

std::vector<std::string_view> SyscallGroups::names() {
    std::vector<std::string_view> result;
    result.reserve(kGroups.size());
    for (const auto& group : kGroups) {
        result.push_back(group.name);
    }
    return result;
}

bool SyscallGroups::exists(std::string_view group) {
    return findGroup(group) != nullptr;
}

std::set<std::string> SyscallGroups::expand(std::string_view group) {
    std::set<std::string> result;
    if (const Group* found = findGroup(group)) {
        expandInto(*found, result);
    }
    return result;
}

int SyscallGroups::resolve(std::string_view syscall) {
    // libseccomp returns pseudo-syscall numbers (negative) for names the native architecture
    // lacks; only real numbers count as known.
    const std::string name(syscall);
    return seccomp_syscall_resolve_name(name.c_str());
}

std::string SyscallGroups::nameOf(int number) {
    // libseccomp hands out a malloc()ed copy.
    const std::unique_ptr<char, decltype(&std::free)> raw(
        seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number), &std::free);
    return raw ? std::string(raw.get()) : std::string();
}

} // namespace mamori::sandbox
