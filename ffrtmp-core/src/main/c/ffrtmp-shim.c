/*
 * ffrtmp-shim: the pre-exec launch shim of ffrtmp's run mode.
 *
 * The JVM starts this program with posix_spawn (its standard streams already in place); it
 * places ITSELF and then execs the workload, so the workload's first instruction already runs
 * placed:
 *
 *   ffrtmp-shim <errfile> <flags> [<dir>] <nice|-> <oom_score_adj|-> <n> <procs-or-tasks-file>...
 *               [<exitfile> <m> <counter-file>...] -- <cmd> [args...]
 *
 * <flags> is "-" or letters: "s" strict mode, "o" standard output joins standard error (1>&2)
 * before the exec, "k" keeper mode (the bracketed arguments are then present), "w" wait for
 * the JVM's go (SIGURG) before starting the workload: the JVM places the shim itself (systemd),
 * "d" change to the working directory <dir> first, "p" (keeper mode) descriptor 3 is a pipe
 * to the JVM: the keeper writes the workload's pid there ("<pid>\n") as soon as it has forked,
 * and closes it (the JVM waits on it instead of polling; an end of file without a pid means
 * that no workload was started). The workload's copy is close-on-exec: the pipe's end of
 * file comes when the exec succeeded, and a failed exec writes "e<errno>\n" first (before or
 * after the pid line), so the JVM knows before start() returns whether the command ran.
 *
 * 0. closes every inherited file descriptor above 2 (3 with "p"; the JVM's are not all
 *    close-on-exec) and,
 *    with "d", changes directory (a failure is noted as "chdir" and ends the shim with 126),
 *
 * Keeper mode: after placing itself (so the workload is born placed), the shim becomes a tiny
 * parent of the workload instead of turning into it: child subreaper, it forks, the child
 * starts its own process group and execs the command; the keeper forwards every signal it
 * receives to the workload's process group, reaps, and when the workload ends reads the final
 * kernel counters (<counter-file>s: it still holds the cgroup; /proc/self/... files are its own,
 * and the pseudo-file /proc/self/rusage:children is its getrusage of the children it reaped)
 * and writes <exitfile>
 * atomically (write to <exitfile>.tmp, rename): the exit status survives the JVM. Then it ends
 * with the same status (the same exit code, or the same signal), so the JVM's Process sees
 * what the workload did.
 *
 * 1. joins each of the n cgroups (retrying a transient EINVAL): its own pid into a
 *    cgroup.procs file; "0", the calling thread, into a cgroup v1 tasks file. The shim has one
 *    thread, so that moves the whole process, and since Linux 5.2 a move of the writer's own
 *    thread does not take the kernel's global threadgroup lock, whose writers first wait for an
 *    RCU grace period (milliseconds per launch when no other move happened just before:
 *    PERFORMANCE.md). In keeper mode with one cgroup v2 cgroup.procs the keeper does
 *    not move at all: it forks the workload straight into that cgroup (clone3 with
 *    CLONE_INTO_CGROUP, Linux 5.7+; else it joins and forks, as before),
 * 2. sets its nice (setpriority on itself, inherited by the exec'd program and its children),
 * 3. writes /proc/self/oom_score_adj,
 * 4. starts a new session (setsid): Ctrl-C at the wrapper's terminal does not reach it,
 * 5. unblocks all signals and execs the command, searching PATH like execvp; the pid never
 *    changes, so the JVM stays the parent.
 *
 * Nothing is written on the success path. On a failure it appends one line per problem to
 * <errfile> (created 0600): "<kind>\t<subject>\t<errno>". A placement, nice or oom failure in
 * strict mode, or an exec failure, ends the shim with exit status 125 (placement), 127 (command
 * not found) or 126 (not executable). Outside strict mode a placement/nice/oom failure is
 * recorded and the exec goes on.
 *
 * On x86-64 and arm64 the shim is freestanding (no C library, raw system calls, started at
 * _start): an exec of a small static program without libc start-up costs a fraction of one
 * with it, and this exec is on every launch's path. Elsewhere it builds against the C library.
 */
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(FFRTMP_SHIM_LIBC)
#define FREESTANDING 1
#else
#define FREESTANDING 0
#endif

#if FREESTANDING
typedef unsigned long size_t;
typedef long ssize_t;

/* errors: negative return values are -errno */
#define FAILED(r) ((unsigned long)(r) > (unsigned long)-4096L)
#define ERRNO(r) ((int)-(r))

#if defined(__x86_64__)
enum { NR_read = 0, NR_write = 1, NR_open = 2, NR_close = 3, NR_rt_sigaction = 13,
       NR_rt_sigprocmask = 14, NR_nanosleep = 35, NR_dup2 = 33, NR_getpid = 39, NR_clone = 56,
       NR_execve = 59, NR_wait4 = 61, NR_kill = 62, NR_setpgid = 109, NR_getppid = 110, NR_setsid = 112,
       NR_rt_sigtimedwait = 128, NR_setpriority = 141, NR_prctl = 157,
       NR_clock_gettime = 228, NR_exit_group = 231, NR_renameat = 264, NR_prlimit64 = 302,
       NR_chdir = 80, NR_getdents64 = 217, NR_getrusage = 98, NR_fcntl = 72 };
static long sys6(long n, long a, long b, long c, long d) {
  long r;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return r;
}
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n"
        " call start_c\n hlt\n");
#else /* __aarch64__: no open/dup2/nanosleep; use openat/dup3/clock_nanosleep */
enum { NR_read = 63, NR_write = 64, NR_openat = 56, NR_close = 57, NR_rt_sigaction = 134,
       NR_rt_sigprocmask = 135, NR_clock_nanosleep = 115, NR_dup3 = 24, NR_getpid = 172,
       NR_clone = 220, NR_execve = 221, NR_wait4 = 260, NR_kill = 129, NR_setpgid = 154,
       NR_getppid = 173,
       NR_setsid = 157, NR_rt_sigtimedwait = 137, NR_setpriority = 140, NR_prctl = 167,
       NR_clock_gettime = 113, NR_exit_group = 94, NR_renameat = 38, NR_prlimit64 = 261,
       NR_chdir = 49, NR_getdents64 = 61, NR_getrusage = 165, NR_fcntl = 25 };
static long sys6(long n, long a, long b, long c, long d) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x0, sp\n and sp, x0, #-16\n"
        " bl start_c\n brk #0\n");
#endif

#define O_RDONLY 00
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define EINVAL 22
#define EAGAIN 11
#define ENOENT 2
#define ENOTDIR 20
#define EACCES 13
#define ENOEXEC 8
#define EIO 5

static int sys_open(const char *p, int flags, int mode) {
#if defined(__x86_64__)
  return (int)sys6(NR_open, (long)p, flags, mode, 0);
#else
  return (int)sys6(NR_openat, -100 /* AT_FDCWD */, (long)p, flags, mode);
#endif
}
static ssize_t sys_write(int fd, const void *b, size_t n) { return sys6(NR_write, fd, (long)b, (long)n, 0); }
static void sys_close(int fd) { sys6(NR_close, fd, 0, 0, 0); }
static long sys_getpid(void) { return sys6(NR_getpid, 0, 0, 0, 0); }
static long sys_setsid(void) { return sys6(NR_setsid, 0, 0, 0, 0); }
static long sys_getppid(void) { return sys6(NR_getppid, 0, 0, 0, 0); }
static long sys_setpriority(int which, int who, int prio) { return sys6(NR_setpriority, which, who, prio, 0); }
static long sys_dup_out_to_err(void) {
#if defined(__x86_64__)
  return sys6(NR_dup2, 2, 1, 0, 0);
#else
  return sys6(NR_dup3, 2, 1, 0, 0);
#endif
}
static void sys_unblock_all(void) {
  unsigned long none = 0;
  sys6(NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&none, 0, 8);
}
static void sys_sleep_2ms(void) {
  long ts[2] = {0, 2000000L};
#if defined(__x86_64__)
  sys6(NR_nanosleep, (long)ts, 0, 0, 0);
#else
  sys6(NR_clock_nanosleep, 1 /* CLOCK_MONOTONIC */, 0, (long)ts, 0);
#endif
}
static long sys_execve(const char *p, char **argv, char **envp) { return sys6(NR_execve, (long)p, (long)argv, (long)envp, 0); }
static void sys_exit(int code) { for (;;) sys6(NR_exit_group, code, 0, 0, 0); }
static ssize_t sys_read(int fd, void *b, size_t n) { return sys6(NR_read, fd, (long)b, (long)n, 0); }
static long sys_fork(void) { return sys6(NR_clone, 17 /* SIGCHLD */, 0, 0, 0); }
/* clone3 (435 on every architecture) with fork's semantics plus the given struct clone_args */
static long sys_clone3(unsigned long long *args, size_t size) { return sys6(435, (long)args, (long)size, 0, 0); }
static long sys_setpgid_self(void) { return sys6(NR_setpgid, 0, 0, 0, 0); }
static long sys_kill(long pid, int sig) { return sys6(NR_kill, pid, sig, 0, 0); }
static long sys_subreaper(void) { return sys6(NR_prctl, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0); }
static void sys_block_all(void) {
  unsigned long all = ~0UL;
  sys6(NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&all, 0, 8);
}
/* waits for any signal; returns its number */
static int sys_wait_signal(void) {
  unsigned long all = ~0UL;
  long info[16];
  long r = sys6(NR_rt_sigtimedwait, (long)&all, (long)info, 0, 8);
  return FAILED(r) ? 0 : (int)r;
}
/* waits up to ms milliseconds for any signal; returns its number, 0 on timeout */
static int sys_wait_signal_ms(long ms) {
  unsigned long all = ~0UL;
  long info[16];
  long ts[2] = {ms / 1000, (ms % 1000) * 1000000L};
  long r = sys6(NR_rt_sigtimedwait, (long)&all, (long)info, (long)ts, 8);
  return FAILED(r) ? 0 : (int)r;
}
/* reaps one exited child without waiting: its pid (status in *st), 0 if none, <0 on error */
static long sys_reap(int *st) { return sys6(NR_wait4, -1, (long)st, 1 /* WNOHANG */, 0); }
static void sys_default_signal(int sig) {
  long act[4] = {0, 0, 0, 0}; /* SIG_DFL, no flags, no restorer, empty mask */
  sys6(NR_rt_sigaction, sig, (long)act, 0, 8);
}
static void sys_no_core(void) {
  unsigned long lim[2] = {0, 0};
  sys6(NR_prlimit64, 0, 4 /* RLIMIT_CORE */, (long)lim, 0);
}
static void sys_realtime(long *sec, long *nsec) {
  long ts[2] = {0, 0};
  sys6(NR_clock_gettime, 0 /* CLOCK_REALTIME */, (long)ts, 0, 0);
  *sec = ts[0];
  *nsec = ts[1];
}
static long sys_rename(const char *from, const char *to) { return sys6(NR_renameat, -100, (long)from, -100, (long)to); }
static long sys_chdir(const char *dir) { return sys6(NR_chdir, (long)dir, 0, 0, 0); }
/* close_range (436 on every architecture, Linux 5.9+) */
static long sys_close_from(int fd) { return sys6(436, fd, ~0L & 0xffffffffL, 0, 0); }
static long sys_getdents64(int fd, void *buf, size_t n) { return sys6(NR_getdents64, fd, (long)buf, (long)n, 0); }
static long sys_cloexec(int fd) { return sys6(NR_fcntl, fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */, 0); }
/* getrusage(RUSAGE_CHILDREN): user and system time of the reaped children, in microseconds */
static void sys_children_cpu(long *user_us, long *sys_us) {
  long ru[18] = {0}; /* struct rusage: two struct timeval, then 14 longs */
  long r = sys6(NR_getrusage, -1 /* RUSAGE_CHILDREN */, (long)ru, 0, 0);
  *user_us = FAILED(r) ? -1 : ru[0] * 1000000L + ru[1];
  *sys_us = FAILED(r) ? -1 : ru[2] * 1000000L + ru[3];
}

/* gcc may emit calls to these even when freestanding */
void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }

#else /* with the C library */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static int sys_open(const char *p, int flags, int mode) { int r = open(p, flags, mode); return r < 0 ? -errno : r; }
static ssize_t sys_write(int fd, const void *b, size_t n) { ssize_t r = write(fd, b, n); return r < 0 ? -errno : r; }
static void sys_close(int fd) { close(fd); }
static long sys_getpid(void) { return getpid(); }
static long sys_setsid(void) { return setsid() < 0 ? -errno : 0; }
static long sys_getppid(void) { return getppid(); }
static long sys_setpriority(int which, int who, int prio) { return setpriority(which, who, prio) < 0 ? -errno : 0; }
static long sys_dup_out_to_err(void) { return dup2(2, 1) < 0 ? -errno : 0; }
static void sys_unblock_all(void) { sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, NULL); }
static void sys_sleep_2ms(void) { struct timespec ts = {0, 2000000L}; nanosleep(&ts, NULL); }
static long sys_execve(const char *p, char **argv, char **envp) { execve(p, argv, envp); return -errno; }
static void sys_exit(int code) { _exit(code); }
static ssize_t sys_read(int fd, void *b, size_t n) { ssize_t r = read(fd, b, n); return r < 0 ? -errno : r; }
static long sys_fork(void) { pid_t r = fork(); return r < 0 ? -errno : r; }
static long sys_clone3(unsigned long long *args, size_t size) { long r = syscall(435, args, size); return r < 0 ? -errno : r; }
static long sys_setpgid_self(void) { return setpgid(0, 0) < 0 ? -errno : 0; }
static long sys_kill(long pid, int sig) { return kill((pid_t)pid, sig) < 0 ? -errno : 0; }
static long sys_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0; }
static void sys_block_all(void) { sigset_t all; sigfillset(&all); sigprocmask(SIG_SETMASK, &all, NULL); }
static int sys_wait_signal(void) { sigset_t all; sigfillset(&all); int r = sigwaitinfo(&all, NULL); return r < 0 ? 0 : r; }
static int sys_wait_signal_ms(long ms) { sigset_t all; sigfillset(&all); struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L}; int r = sigtimedwait(&all, NULL, &ts); return r < 0 ? 0 : r; }
static long sys_reap(int *st) { pid_t r = waitpid(-1, st, WNOHANG); return r < 0 ? -errno : r; }
static void sys_default_signal(int sig) { signal(sig, SIG_DFL); }
static void sys_no_core(void) { struct rlimit none = {0, 0}; setrlimit(RLIMIT_CORE, &none); }
static void sys_realtime(long *sec, long *nsec) { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); *sec = ts.tv_sec; *nsec = ts.tv_nsec; }
static long sys_rename(const char *from, const char *to) { return rename(from, to) < 0 ? -errno : 0; }
static long sys_chdir(const char *dir) { return chdir(dir) < 0 ? -errno : 0; }
static long sys_close_from(int fd) { long r = syscall(436, fd, ~0U, 0); return r < 0 ? -errno : r; }
static long sys_getdents64(int fd, void *buf, size_t n) { long r = syscall(SYS_getdents64, fd, buf, n); return r < 0 ? -errno : r; }
static long sys_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0; }
static void sys_children_cpu(long *user_us, long *sys_us) {
  struct rusage ru;
  int r = getrusage(RUSAGE_CHILDREN, &ru);
  *user_us = r < 0 ? -1 : ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec;
  *sys_us = r < 0 ? -1 : ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
}
#define FAILED(r) ((r) < 0)
#define ERRNO(r) ((int)-(r))
#endif

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static int seq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
static int has(const char *s, char c) { for (; *s; s++) if (*s == c) return 1; return 0; }

static char *put(char *p, char *end, const char *s) { while (*s && p < end) *p++ = *s++; return p; }
static char *putnum(char *p, char *end, long v) {
  char tmp[24]; int n = 0; int neg = v < 0; unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
  do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
  if (neg && p < end) *p++ = '-';
  while (n && p < end) *p++ = tmp[--n];
  return p;
}
static long parse(const char *s) {
  long v = 0; int neg = 0;
  if (*s == '-') { neg = 1; s++; }
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return neg ? -v : v;
}

static const char *errfile;

/* appends "<kind>\t<subject>\t<errno>\n" to the error file */
static void note(const char *kind, const char *what, int err) {
  char line[4096];
  char *p = line, *end = line + sizeof line - 1;
  p = put(p, end, kind); p = put(p, end, "\t"); p = put(p, end, what); p = put(p, end, "\t");
  p = putnum(p, end, err); *p++ = '\n';
  int fd = sys_open(errfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (FAILED(fd)) return;
  sys_write(fd, line, (size_t)(p - line));
  sys_close(fd);
}

static int write_all(const char *path, const char *text) {
  int fd = sys_open(path, O_WRONLY | O_CLOEXEC, 0);
  if (FAILED(fd)) return ERRNO(fd);
  size_t len = slen(text);
  ssize_t w = sys_write(fd, text, len);
  sys_close(fd);
  if (FAILED(w)) return ERRNO(w);
  return (size_t)w == len ? 0 : EIO;
}

/*
 * Closes every file descriptor above standard error: the JVM starts the shim with posix_spawn,
 * and the JVM's own descriptors are not all close-on-exec. close_range (Linux 5.9+), else each
 * entry of /proc/self/fd.
 */
static void close_inherited(int keep3) {
  int from = keep3 ? 4 : 3;
  if (!FAILED(sys_close_from(from))) return;
  int dir = sys_open("/proc/self/fd", O_RDONLY | O_CLOEXEC, 0);
  if (FAILED(dir)) return;
  static char buf[4096];
  for (;;) {
    long n = sys_getdents64(dir, buf, sizeof buf);
    if (FAILED(n) || n == 0) break;
    for (long off = 0; off < n;) {
      /* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[] */
      unsigned short reclen = (unsigned short)((unsigned char)buf[off + 16]
                                               | ((unsigned char)buf[off + 17] << 8));
      const char *name = buf + off + 19;
      if (name[0] >= '0' && name[0] <= '9') {
        long fd = parse(name);
        if (fd >= from && fd != dir) sys_close((int)fd);
      }
      off += reclen;
    }
  }
  sys_close(dir);
}

/* whether path names a cgroup v1 "tasks" file */
static int is_tasks(const char *path) {
  size_t n = slen(path);
  return n >= 6 && seq(path + n - 6, "/tasks");
}

static int join(const char *procs, const char *pid) {
  int err = 0;
  const char *who = is_tasks(procs) ? "0" : pid;
  for (int attempt = 0; attempt < 50; attempt++) {
    err = write_all(procs, who);
    if (err != EINVAL && err != EAGAIN) return err;
    sys_sleep_2ms(); /* cgroup.procs may be briefly EINVAL */
  }
  return err;
}

/*
 * Executes the program at <path> with the caller's argv untouched (argv[0] stays what the user
 * gave, as execvp does); a file without a #! line is run by /bin/sh <path> <args...>. The
 * /bin/sh argv is built in place: argv[-1] is the shim's own "--" argument, so there is room for
 * "/bin/sh" in front without any fixed-size array (no argument limit but the kernel's).
 * Returns the errno.
 */
static int exec_file(const char *path, char **argv, char **envp) {
  long r = sys_execve(path, argv, envp);
  if (ERRNO(r) == ENOEXEC) {
    char *saved_prev = argv[-1], *saved_first = argv[0];
    argv[-1] = (char *)"/bin/sh";
    argv[0] = (char *)path;
    r = sys_execve("/bin/sh", argv - 1, envp);
    argv[-1] = saved_prev;
    argv[0] = saved_first;
  }
  return ERRNO(r);
}

/* execvp: PATH search (from the workload's environment), argv untouched; returns the errno */
static int exec_path(char **cmd, char **envp) {
  const char *file = cmd[0];
  if (has(file, '/')) return exec_file(file, cmd, envp);
  const char *path = "/usr/local/bin:/usr/bin:/bin";
  for (char **e = envp; *e; e++) {
    const char *v = *e;
    if (v[0] == 'P' && v[1] == 'A' && v[2] == 'T' && v[3] == 'H' && v[4] == '=') { path = v + 5; break; }
  }
  int seen_eacces = 0, last = ENOENT;
  char buf[4096];
  while (1) {
    const char *colon = path;
    while (*colon && *colon != ':') colon++;
    size_t dl = (size_t)(colon - path);
    size_t fl = slen(file);
    if (dl + fl + 2 < sizeof buf) {
      char *p = buf;
      for (size_t i = 0; i < dl; i++) *p++ = path[i];
      if (dl == 0) *p++ = '.';
      *p++ = '/';
      for (size_t i = 0; i <= fl; i++) *p++ = file[i];
      int err = exec_file(buf, cmd, envp);
      if (err == EACCES) seen_eacces = 1;
      else if (err != ENOENT && err != ENOTDIR) return err;
      last = err;
    }
    if (!*colon) break;
    path = colon + 1;
  }
  return seen_eacces ? EACCES : last;
}

/* ---- keeper mode -------------------------------------------------------------------------- */

static char record[65536 + 4096];

static char *putbytes(char *p, char *end, const char *b, size_t n) {
  while (n-- && p < end) *p++ = *b++;
  return p;
}

/*
 * A counter path "<mount>/.self-cgroup/<file>" names <file> in the keeper's own cgroup v2
 * directory, "<mount><path of the 0:: line of /proc/self/cgroup>/<file>": the JVM passes it so
 * when it places the keeper itself after the launch (a systemd scope, whose path is not known
 * when the keeper starts). Returns the path to open (in the static buffer, or the argument).
 */
static const char *resolve_counter(const char *path) {
  static const char marker[] = "/.self-cgroup/";
  static char own[4096];
  static char out[8192];
  const char *m = path;
  for (; *m; m++) {
    const char *a = m, *b = marker;
    while (*b && *a == *b) { a++; b++; }
    if (!*b) break;
  }
  if (!*m) return path;
  if (!own[0]) {
    int fd = sys_open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC, 0);
    if (FAILED(fd)) return path;
    size_t len = 0;
    while (len < sizeof own - 1) {
      ssize_t r = sys_read(fd, own + len, sizeof own - 1 - len);
      if (FAILED(r) || r == 0) break;
      len += (size_t)r;
    }
    sys_close(fd);
    own[len] = 0;
  }
  const char *line = own;
  while (*line && !(line[0] == '0' && line[1] == ':' && line[2] == ':')) {
    while (*line && *line != '\n') line++;
    if (*line) line++;
  }
  if (!*line) return path;
  line += 3;
  char *o = out, *oend = out + sizeof out - 1;
  for (const char *q = path; q < m && o < oend; q++) *o++ = *q;      /* <mount> */
  while (*line && *line != '\n' && o < oend) *o++ = *line++;           /* /scope path */
  if (o > out && o[-1] == '/') o--;                                    /* the root: "/" */
  o = put(o, oend, "/");
  o = put(o, oend, m + sizeof marker - 1);                            /* <file> */
  *o = 0;
  return out;
}

/*
 * The pseudo-counter "/proc/self/rusage:children" is not a file: the keeper's
 * getrusage(RUSAGE_CHILDREN) once it has reaped the workload, as "user_usec <n>\nsystem_usec
 * <n>\n" (the CPU time of the workload and of every descendant it reaped).
 */
#define CHILDREN_CPU "/proc/self/rusage:children"

/* appends "file <len> <path>\n<content>\n" for a counter file (nothing if it cannot be read) */
static char *put_counter(char *p, char *end, const char *given) {
  static char buf[16384];
  const char *path = resolve_counter(given);
  size_t len = 0;
  if (seq(path, CHILDREN_CPU)) {
    long user_us, sys_us;
    sys_children_cpu(&user_us, &sys_us);
    if (user_us < 0) return p;
    char *q = put(buf, buf + sizeof buf, "user_usec ");
    q = putnum(q, buf + sizeof buf, user_us);
    q = put(q, buf + sizeof buf, "\nsystem_usec ");
    q = putnum(q, buf + sizeof buf, sys_us);
    q = put(q, buf + sizeof buf, "\n");
    len = (size_t)(q - buf);
  } else {
    int fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (FAILED(fd)) return p;
    while (len < sizeof buf) {
      ssize_t r = sys_read(fd, buf + len, sizeof buf - len);
      if (FAILED(r) || r == 0) break;
      len += (size_t)r;
    }
    sys_close(fd);
  }
  if ((size_t)(end - p) < len + slen(path) + 40) return p;
  p = put(p, end, "file "); p = putnum(p, end, (long)len); p = put(p, end, " ");
  p = put(p, end, path); p = put(p, end, "\n");
  p = putbytes(p, end, buf, len);
  return put(p, end, "\n");
}

/* writes the exit record atomically: <exitfile>.tmp, then rename */
static void write_record(const char *exitfile, long child, int status, char **counters, long m) {
  char *p = record, *end = record + sizeof record;
  long sec, nsec;
  sys_realtime(&sec, &nsec);
  p = put(p, end, "ffrtmp-exit 1\npid "); p = putnum(p, end, child);
  int sig = status & 0x7f;
  if (sig == 0) {
    p = put(p, end, "\nexited "); p = putnum(p, end, (status >> 8) & 0xff);
  } else {
    p = put(p, end, "\nsignaled "); p = putnum(p, end, sig);
  }
  p = put(p, end, "\nended "); p = putnum(p, end, sec); p = put(p, end, " ");
  p = putnum(p, end, nsec); p = put(p, end, "\n");
  for (long i = 0; i < m; i++) p = put_counter(p, end, counters[i]);
  p = put(p, end, "end\n");
  char tmp[4096];
  char *t = put(tmp, tmp + sizeof tmp - 5, exitfile);
  t = put(t, tmp + sizeof tmp - 1, ".tmp");
  *t = 0;
  int fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (FAILED(fd)) { note("exit-record", tmp, ERRNO(fd)); return; }
  const char *q = record;
  while (q < p) {
    ssize_t w = sys_write(fd, q, (size_t)(p - q));
    if (FAILED(w) || w == 0) { note("exit-record", tmp, FAILED(w) ? ERRNO(w) : EIO); break; }
    q += w;
  }
  sys_close(fd);
  long r = sys_rename(tmp, exitfile);
  if (FAILED(r)) note("exit-record", exitfile, ERRNO(r));
}

/* whether path ends with "/cgroup.procs" */
static int is_procs(const char *path) {
  size_t n = slen(path);
  return n >= 13 && seq(path + n - 13, "/cgroup.procs");
}

/*
 * Forks a child born in the cgroup v2 directory of <procs> (clone3 with CLONE_INTO_CGROUP,
 * Linux 5.7+): no process moves, so the kernel's global threadgroup lock, whose writer waits
 * for an RCU grace period, is not taken. Returns the child's pid (0 in the child), or -errno.
 */
static long fork_into(const char *procs) {
  char dir[4096];
  size_t n = slen(procs) - 13; /* without "/cgroup.procs" */
  if (n == 0 || n >= sizeof dir) return -EINVAL;
  for (size_t i = 0; i < n; i++) dir[i] = procs[i];
  dir[n] = 0;
  int fd = sys_open(dir, O_RDONLY | O_CLOEXEC, 0);
  if (FAILED(fd)) return fd;
  /* struct clone_args, version 2 (88 bytes): flags, pidfd, child_tid, parent_tid, exit_signal,
     stack, stack_size, tls, set_tid, set_tid_size, cgroup */
  unsigned long long args[11] = {0};
  args[0] = 0x200000000ULL; /* CLONE_INTO_CGROUP */
  args[4] = 17;             /* SIGCHLD */
  args[10] = (unsigned long long)fd;
  long child = sys_clone3(args, sizeof args);
  if (child != 0) sys_close(fd); /* the child's copy closes at its exec (O_CLOEXEC) */
  return child;
}

/*
 * The keeper: forks the workload (own process group, signals unblocked, exec), forwards every
 * signal it receives to the workload's process group, reaps (a child subreaper also reaps the
 * workload's orphans), records the exit and ends with the same status. With <into> (keeper
 * mode, one cgroup v2 cgroup.procs), the keeper stays where it is and the workload is born in
 * that cgroup; where the kernel cannot (no clone3 or no CLONE_INTO_CGROUP), the keeper joins
 * the cgroup first and forks, as for cgroup v1.
 */
/* "p": descriptor 3 is a pipe to the JVM; the keeper writes the workload's pid there */
static int pid_pipe;

static void tell_pid(long child) {
  if (!pid_pipe) return;
  char buf[24];
  char *e = putnum(buf, buf + sizeof buf - 1, child);
  *e++ = '\n';
  sys_write(3, buf, (size_t)(e - buf));
  sys_close(3);
  pid_pipe = 0;
}

static int keep(char **cmd, char **envp, int out_to_err, const char *exitfile, char **counters,
                long m, const char *into, const char *pid, int strict) {
  long r = sys_subreaper();
  if (FAILED(r)) note("subreaper", "-", ERRNO(r));
  sys_block_all(); /* no signal lost between the fork and the first wait */
  long child = into ? fork_into(into) : sys_fork();
  if (into && FAILED(child)) {
    int err = join(into, pid);
    if (err) {
      note("join", into, err);
      if (strict) return 125;
    }
    child = sys_fork();
  }
  if (FAILED(child)) {
    note("fork", cmd[0], ERRNO(child));
    return 125;
  }
  if (child == 0) {
    /* the JVM's pipe stays open until the exec: its end of file says the exec happened */
    if (pid_pipe && FAILED(sys_cloexec(3))) { sys_close(3); pid_pipe = 0; }
    sys_setpgid_self(); /* its own group: kill(-pid) reaches the workload and its children */
    if (out_to_err) {
      long d = sys_dup_out_to_err();
      if (FAILED(d)) note("dup2", "1>&2", ERRNO(d));
    }
    sys_unblock_all();
    int err = exec_path(cmd, envp);
    note(err == ENOENT || err == ENOTDIR ? "not-found" : "not-executable", cmd[0], err);
    if (pid_pipe) { /* "e<errno>\n": the exec failed */
      char buf[24];
      char *e = put(buf, buf + sizeof buf, "e");
      e = putnum(e, buf + sizeof buf - 1, err);
      *e++ = '\n';
      sys_write(3, buf, (size_t)(e - buf));
    }
    sys_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
  }
  tell_pid(child);
  int status = 0;
  for (;;) {
    int sig = sys_wait_signal();
    if (sig == 17 /* SIGCHLD */) {
      int done = 0;
      for (;;) {
        int st = 0;
        long pid = sys_reap(&st);
        if (pid <= 0) break;
        if (pid == child) { status = st; done = 1; }
      }
      if (done) break;
    } else if (sig > 0) {
      sys_kill(-child, sig); /* forward to the whole workload */
    }
  }
  write_record(exitfile, child, status, counters, m);
  int code_sig = status & 0x7f;
  if (code_sig == 0) return (status >> 8) & 0xff;
  /* die of the same signal, without a core file of our own */
  sys_no_core();
  sys_default_signal(code_sig);
  sys_kill(sys_getpid(), code_sig);
  sys_unblock_all();
  return 128 + code_sig;
}

/*
 * "w" flag: the JVM places this process itself once it runs (a systemd scope is created with
 * the pid of an existing process), then sends SIGURG. Until then the shim waits, with every
 * signal blocked since its first instruction (SIGURG's default action is to ignore it, so one
 * sent early would be lost; the JVM reads SigBlk in /proc/<pid>/status before it sends). A
 * SIGTERM, SIGINT, SIGHUP or SIGQUIT cancels the start; so does the JVM's death (the parent
 * changes) and a wait longer than GO_WAIT_MS: the workload never runs unplaced.
 */
#define GO_WAIT_MS 120000L
static int wait_for_go(void) {
  long parent = sys_getppid();
  for (long waited = 0; waited < GO_WAIT_MS; waited += 50) {
    int sig = sys_wait_signal_ms(50);
    if (sig == 23 /* SIGURG */) return 0;
    if (sig == 1 || sig == 2 || sig == 3 || sig == 15) {
      note("go", "cancelled", 0);
      return 128 + sig;
    }
    if (sys_getppid() != parent) {
      note("go", "parent-gone", 0);
      return 125;
    }
  }
  note("go", "timeout", 0);
  return 125;
}

static int run(int argc, char **argv, char **envp) {
  if (argc > 2 && has(argv[2], 'w')) sys_block_all(); /* before anything else: see wait_for_go */
  /* "d": the working directory comes before <nice>; the positions below are those without it */
  const char *flags = argc > 2 ? argv[2] : "";
  pid_pipe = has(flags, 'p') && has(flags, 'k');
  close_inherited(pid_pipe);
  int d = has(flags, 'd') && argc > 3 ? 1 : 0;
  const char *dir = d ? argv[3] : 0;
  if (argc - d < 7) {
    static const char msg[] = "ffrtmp-shim: internal launch helper of ffrtmp, not meant to be run by hand\n";
    sys_write(2, msg, sizeof msg - 1);
    return 125;
  }
  errfile = argv[1];
  argv += d;
  argc -= d;
  int strict = has(flags, 's');
  int out_to_err = has(flags, 'o');
  int keeper = has(flags, 'k');
  const char *nice_arg = argv[3];
  const char *oom_arg = argv[4];
  long n = parse(argv[5]);
  long at = 6 + n; /* after the procs files */
  const char *exitfile = 0;
  char **counters = 0;
  long m = 0;
  if (n >= 0 && keeper && at + 1 < argc) {
    exitfile = argv[at];
    m = parse(argv[at + 1]);
    counters = argv + at + 2;
    at += 2 + (m < 0 ? 0 : m);
  }
  if (n < 0 || m < 0 || at >= argc || !seq(argv[at], "--") || at + 1 >= argc
      || (keeper && exitfile == 0)) {
    static const char msg[] = "ffrtmp-shim: malformed arguments\n";
    sys_write(2, msg, sizeof msg - 1);
    return 125;
  }

  if (dir) {
    long c = sys_chdir(dir);
    if (FAILED(c)) {
      note("chdir", dir, ERRNO(c));
      return 126;
    }
  }
  char pid[24];
  *putnum(pid, pid + sizeof pid - 1, sys_getpid()) = 0;
  /* keeper mode with one cgroup v2 cgroup.procs: the workload is cloned into it (see keep) */
  const char *into = keeper && n == 1 && is_procs(argv[6]) ? argv[6] : 0;
  for (long i = into ? 1 : 0; i < n; i++) {
    int err = join(argv[6 + i], pid);
    if (err) {
      note("join", argv[6 + i], err);
      if (strict) return 125;
    }
  }
  if (!seq(nice_arg, "-")) {
    long r = sys_setpriority(0 /* PRIO_PROCESS */, 0, (int)parse(nice_arg));
    if (FAILED(r)) {
      note("nice", nice_arg, ERRNO(r));
      if (strict) return 125;
    }
  }
  if (!seq(oom_arg, "-")) {
    int err = write_all("/proc/self/oom_score_adj", oom_arg);
    if (err) {
      note("oom_score_adj", oom_arg, err);
      if (strict) return 125;
    }
  }
  long r = sys_setsid();
  if (FAILED(r)) note("setsid", "-", ERRNO(r));
  if (has(flags, 'w')) {
    int cancelled = wait_for_go();
    if (cancelled) return cancelled;
  }
  char **cmd = argv + at + 1;
  if (keeper) return keep(cmd, envp, out_to_err, exitfile, counters, m, into, pid, strict);
  if (out_to_err) {
    r = sys_dup_out_to_err();
    if (FAILED(r)) note("dup2", "1>&2", ERRNO(r));
  }
  sys_unblock_all();

  int err = exec_path(cmd, envp);
  note(err == ENOENT || err == ENOTDIR ? "not-found" : "not-executable", cmd[0], err);
  return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

#if FREESTANDING
void start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  sys_exit(run(argc, argv, envp));
}
#else
extern char **environ;
int main(int argc, char **argv) { return run(argc, argv, environ); }
#endif
