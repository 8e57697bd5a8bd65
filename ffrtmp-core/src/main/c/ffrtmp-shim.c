/*
 * ffrtmp-shim: the pre-exec launch shim of ffrtmp's run mode.
 *
 * The JVM starts this program with ProcessBuilder; it places ITSELF and then execs the
 * workload, so the workload's first instruction already runs placed:
 *
 *   ffrtmp-shim <errfile> <flags> <nice|-> <oom_score_adj|-> <n> <procs-file>... -- <cmd> [args...]
 *
 * <flags> is "-" or letters: "s" strict mode, "o" standard output joins standard error (1>&2)
 * before the exec.
 *
 * 1. writes its own pid into each of the n cgroup.procs files (retrying a transient EINVAL),
 * 2. sets its nice (setpriority on itself, inherited by the exec'd program and its children),
 * 3. writes /proc/self/oom_score_adj,
 * 4. starts a new session (setsid): Ctrl-C at the wrapper's terminal does not reach it,
 * 5. unblocks all signals and execvp()s the command; the pid never changes, so the JVM stays
 *    the parent.
 *
 * Nothing is written on the success path. On a failure it appends one line per problem to
 * <errfile> (created 0600); a placement, nice or oom failure in strict mode, or an exec failure,
 * ends the shim with exit status 125 (placement), 127 (command not found) or 126 (not
 * executable). Outside strict mode a placement/nice/oom failure is recorded and the exec goes
 * on. The JVM reads <errfile> only when the workload's exit status is 125, 126 or 127, or when
 * the file exists at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *errfile;

static void note(const char *kind, const char *what, int err) {
  int fd = open(errfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  char line[4096];
  int n = snprintf(line, sizeof line, "%s\t%s\t%s\n", kind, what, err ? strerror(err) : "");
  if (n > 0) {
    if ((size_t)n > sizeof line) n = sizeof line;
    ssize_t w = write(fd, line, (size_t)n);
    (void)w;
  }
  close(fd);
}

static int write_all(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  int err = (w < 0) ? errno : ((size_t)w != len ? EIO : 0);
  close(fd);
  return err;
}

static int join(const char *procs, const char *pid) {
  int err = 0;
  for (int attempt = 0; attempt < 50; attempt++) {
    err = write_all(procs, pid);
    if (err != EINVAL && err != EAGAIN) return err;
    struct timespec ts = {0, 2000000L}; /* 2 ms: cgroup.procs may be briefly EINVAL */
    nanosleep(&ts, NULL);
  }
  return err;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fputs("ffrtmp-shim: internal launch helper of ffrtmp, not meant to be run by hand\n", stderr);
    return 125;
  }
  errfile = argv[1];
  int strict = strchr(argv[2], 's') != NULL;
  int out_to_err = strchr(argv[2], 'o') != NULL;
  const char *nice_arg = argv[3];
  const char *oom_arg = argv[4];
  int n = atoi(argv[5]);
  if (n < 0 || 6 + n >= argc || strcmp(argv[6 + n], "--") != 0 || 7 + n >= argc) {
    fputs("ffrtmp-shim: malformed arguments\n", stderr);
    return 125;
  }

  char pid[32];
  snprintf(pid, sizeof pid, "%ld", (long)getpid());
  for (int i = 0; i < n; i++) {
    int err = join(argv[6 + i], pid);
    if (err) {
      note("join", argv[6 + i], err);
      if (strict) return 125;
    }
  }
  if (strcmp(nice_arg, "-") != 0) {
    errno = 0;
    if (setpriority(PRIO_PROCESS, 0, atoi(nice_arg)) != 0) {
      note("nice", nice_arg, errno);
      if (strict) return 125;
    }
  }
  if (strcmp(oom_arg, "-") != 0) {
    int err = write_all("/proc/self/oom_score_adj", oom_arg);
    if (err) {
      note("oom_score_adj", oom_arg, err);
      if (strict) return 125;
    }
  }
  if (setsid() < 0) note("setsid", "", errno);
  if (out_to_err && dup2(2, 1) < 0) note("dup2", "1>&2", errno);

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  char **cmd = argv + 7 + n;
  execvp(cmd[0], cmd);
  int err = errno;
  note(err == ENOENT ? "not-found" : "not-executable", cmd[0], err);
  return err == ENOENT ? 127 : 126;
}
