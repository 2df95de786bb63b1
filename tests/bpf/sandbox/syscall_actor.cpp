// The program learning-mode tests watch: performs the actions named on its command line, in
// order, with raw syscall(2) so that each action is exactly the syscall it names.
//
//   getppid, getsid, keyctl, epoll_wait   that syscall (arguments that make it fail harmlessly)
//   fork     the rest runs in a child; this process waits for it and exits with its status
//   thread   the rest runs in a second thread; this one joins it
//   exec     re-executes this program with the rest
//   term-parent   sends SIGTERM to the parent (the learner, which passes it on)
//   pause    waits for a signal (a SIGTERM ends the process)
//
// Exit status 0, or 2 for an unknown action.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Rest {
    int argc;
    char** argv;
};

int run(int argc, char** argv);

void* runInThread(void* arg) {
    const auto* rest = static_cast<Rest*>(arg);
    // pthread's exit value is a pointer; the status travels in it.
    return reinterpret_cast<void*>( // NOLINT(performance-no-int-to-ptr)
        static_cast<long>(run(rest->argc, rest->argv)));
}

int forkRest(int argc, char** argv) {
    const pid_t child = ::fork();
    if (child == 0) {
        ::_exit(run(argc, argv));
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        return 1;
    }
    return WEXITSTATUS(status);
}

int threadRest(int argc, char** argv) {
    Rest rest{argc, argv};
    pthread_t thread{};
    void* result = nullptr;
    if (::pthread_create(&thread, nullptr, runInThread, &rest) != 0 ||
        ::pthread_join(thread, &result) != 0) {
        return 1;
    }
    return static_cast<int>(reinterpret_cast<long>(result));
}

// `at` is the `exec` action's own slot: it becomes argv[0] of the new run, the rest follows.
int execRest(char** at) {
    at[0] = const_cast<char*>("/proc/self/exe");
    ::execv(at[0], at);
    return 1;
}

int run(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        const char* action = argv[i];
        if (std::strcmp(action, "getppid") == 0) {
            ::syscall(SYS_getppid);
        } else if (std::strcmp(action, "getsid") == 0) {
            ::syscall(SYS_getsid, 0);
        } else if (std::strcmp(action, "keyctl") == 0) {
            ::syscall(SYS_keyctl, -1L, 0L, 0L, 0L, 0L); // no such operation: EOPNOTSUPP
        } else if (std::strcmp(action, "epoll_wait") == 0) {
            ::syscall(SYS_epoll_wait, -1, nullptr, 1, 0); // bad fd: EBADF
        } else if (std::strcmp(action, "term-parent") == 0) {
            ::kill(::getppid(), SIGTERM);
        } else if (std::strcmp(action, "pause") == 0) {
            ::pause();
        } else if (std::strcmp(action, "fork") == 0) {
            return forkRest(argc - i - 1, argv + i + 1);
        } else if (std::strcmp(action, "thread") == 0) {
            return threadRest(argc - i - 1, argv + i + 1);
        } else if (std::strcmp(action, "exec") == 0) {
            return execRest(argv + i);
        } else {
            std::fprintf(stderr, "syscall_actor: unknown action '%s'\n", action);
            return 2;
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    return run(argc - 1, argv + 1);
}
