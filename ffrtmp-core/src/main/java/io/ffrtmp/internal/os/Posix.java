package io.ffrtmp.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few system calls the JDK does not offer, through JNA's direct mapping. Loaded lazily: a
 * host without JNA's native part fails the call that needs it, with the reason, and nothing
 * else.
 */
public final class Posix {
  /** ESRCH: no such process. */
  public static final int ESRCH = 3;
  /** EPERM: operation not permitted. */
  public static final int EPERM = 1;
  /** EINTR: interrupted system call. */
  public static final int EINTR = 4;
  /** ENOSYS: system call not implemented. */
  public static final int ENOSYS = 38;
  /** PRIO_PROCESS for setpriority: on Linux, one thread. */
  public static final int PRIO_PROCESS = 0;

  /** pidfd_open's number: 434 on every architecture (the unified syscall table). */
  private static final long SYS_PIDFD_OPEN = 434;
  private static final boolean PACKED_EPOLL_EVENT =
      System.getProperty("os.arch", "").equals("amd64")
          || System.getProperty("os.arch", "").equals("x86_64");
  /** Size of struct epoll_event: packed (12 bytes) on x86-64, 16 bytes elsewhere. */
  public static final int EPOLL_EVENT_SIZE = PACKED_EPOLL_EVENT ? 12 : 16;
  private static final int EPOLL_DATA_OFFSET = PACKED_EPOLL_EVENT ? 4 : 8;

  private Posix() {}

  private static final class LibC {
    static {
      JnaStart.prime();
      // the class named: JNA's register("c") finds its caller by reflection, whose first use
      // parses an annotation of the JDK's (JnaStart says why that costs)
      Native.register(LibC.class, "c");
    }

    static native int kill(int pid, int sig) throws LastErrorException;

    static native long syscall(long number, long a1, long a2) throws LastErrorException;

    static native int setpriority(int which, int who, int prio) throws LastErrorException;

    static native int epoll_create1(int flags) throws LastErrorException;

    static native int epoll_ctl(int epfd, int op, int fd, Pointer event)
        throws LastErrorException;

    static native int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMs)
        throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native long write(int fd, byte[] buf, long count) throws LastErrorException;

    static native long read(int fd, byte[] buf, long count) throws LastErrorException;

    static native int pipe2(int[] fds, int flags) throws LastErrorException;

    static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    // struct pollfd as two ints: no JNA Memory (see awaitReadable)
    static native int poll(int[] fds, long nfds, int timeoutMs) throws LastErrorException;

    static native int open(byte[] path, int flags, int mode) throws LastErrorException;

    static native int waitpid(int pid, int[] status, int options) throws LastErrorException;

    // posix_spawn and its file actions return the error number instead of setting errno
    static native int posix_spawn(int[] pid, byte[] path, Pointer fileActions, Pointer attr,
        Pointer argv, Pointer envp);

    static native int posix_spawn_file_actions_init(Pointer fileActions);

    static native int posix_spawn_file_actions_destroy(Pointer fileActions);

    static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);
  }

  /**
   * eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC): a counter that wakes an epoll set when written.
   *
   * @return the file descriptor
   * @throws IllegalStateException when it fails
   */
  public static int eventfd() {
    try {
      return LibC.eventfd(0, 0x800 | 0x80000);
    } catch (LastErrorException e) {
      throw new IllegalStateException("eventfd failed: " + Errno.describe(e.getErrorCode()), e);
    }
  }

  /**
   * Adds 1 to an eventfd's counter (wakes whoever waits on it); errors are ignored.
   *
   * @param fd the eventfd
   */
  public static void eventfdSignal(int fd) {
    byte[] one = {1, 0, 0, 0, 0, 0, 0, 0}; // a native-endian 1 on little-endian machines
    if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN) {
      one = new byte[] {0, 0, 0, 0, 0, 0, 0, 1};
    }
    try {
      LibC.write(fd, one, 8);
    } catch (LastErrorException e) {
      // EAGAIN: the counter is already non-zero, a wake-up is pending anyway
    }
  }

  /**
   * Resets an eventfd's counter to 0; errors (EAGAIN: already 0) are ignored.
   *
   * @param fd the eventfd
   */
  public static void eventfdDrain(int fd) {
    byte[] buf = new byte[8];
    try {
      LibC.read(fd, buf, 8);
    } catch (LastErrorException e) {
      // already drained
    }
  }

  /**
   * pidfd_open(2).
   *
   * @param pid the process
   * @return the file descriptor, or {@code -errno} (e.g. {@code -ESRCH}, {@code -ENOSYS})
   */
  public static int pidfdOpen(int pid) {
    try {
      return (int) LibC.syscall(SYS_PIDFD_OPEN, pid, 0);
    } catch (LastErrorException e) {
      return -e.getErrorCode();
    }
  }

  /**
   * setpriority(PRIO_PROCESS, tid, nice): on Linux this sets one thread.
   *
   * @param tid the thread id (a pid is its main thread's id)
   * @param nice the nice value
   * @return 0, or the errno
   */
  public static int setThreadNice(int tid, int nice) {
    try {
      LibC.setpriority(PRIO_PROCESS, tid, nice);
      return 0;
    } catch (LastErrorException e) {
      return e.getErrorCode();
    }
  }

  /**
   * epoll_create1(EPOLL_CLOEXEC).
   *
   * @return the epoll file descriptor
   * @throws IllegalStateException when it fails
   */
  public static int epollCreate() {
    try {
      return LibC.epoll_create1(0x80000);
    } catch (LastErrorException e) {
      throw new IllegalStateException("epoll_create1 failed: " + Errno.describe(e.getErrorCode()),
          e);
    }
  }

  /**
   * Adds ({@code add}) or removes a file descriptor to an epoll set, for EPOLLIN.
   *
   * @param epfd the epoll set
   * @param fd the file descriptor
   * @param data the value returned with its events
   * @param add true to add, false to remove
   * @return 0, or the errno
   */
  public static int epollCtl(int epfd, int fd, long data, boolean add) {
    return epollCtl(epfd, fd, data, add, EPOLLIN);
  }

  /** EPOLLIN. */
  public static final int EPOLLIN = 0x001;

  /** EPOLLPRI: what a PSI trigger's file descriptor signals. */
  public static final int EPOLLPRI = 0x002;

  /** EPOLLERR: e.g. a PSI trigger whose cgroup was removed. */
  public static final int EPOLLERR = 0x008;

  /**
   * Adds ({@code add}) or removes a file descriptor to an epoll set, for the given events.
   *
   * @param epfd the epoll set
   * @param fd the file descriptor
   * @param data the value returned with its events
   * @param add true to add, false to remove
   * @param events the event mask, e.g. {@link #EPOLLPRI}
   * @return 0, or the errno
   */
  public static int epollCtl(int epfd, int fd, long data, boolean add, int events) {
    Memory ev = new Memory(EPOLL_EVENT_SIZE);
    ev.clear();
    ev.setInt(0, events);
    ev.setLong(EPOLL_DATA_OFFSET, data);
    try {
      LibC.epoll_ctl(epfd, add ? 1 : 2, fd, ev);
      return 0;
    } catch (LastErrorException e) {
      return e.getErrorCode();
    }
  }

  /**
   * epoll_wait(2).
   *
   * @param epfd the epoll set
   * @param events a buffer of {@code max * EPOLL_EVENT_SIZE} bytes
   * @param max the buffer's capacity in events
   * @param timeoutMs -1 to wait without limit
   * @return the number of events (0 on timeout or EINTR)
   */
  public static int epollWait(int epfd, Memory events, int max, int timeoutMs) {
    try {
      return LibC.epoll_wait(epfd, events, max, timeoutMs);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EINTR) {
        return 0;
      }
      throw new IllegalStateException("epoll_wait failed: " + Errno.describe(e.getErrorCode()), e);
    }
  }

  /**
   * The data of the {@code i}-th event in an epoll_wait buffer.
   *
   * @param events the buffer
   * @param i the index
   * @return the data given to {@link #epollCtl}
   */
  public static long epollData(Memory events, int i) {
    return events.getLong((long) i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
  }

  /**
   * The event mask of the {@code i}-th event in an epoll_wait buffer.
   *
   * @param events the buffer
   * @param i the index
   * @return e.g. {@link #EPOLLPRI}
   */
  public static int epollEvents(Memory events, int i) {
    return events.getInt((long) i * EPOLL_EVENT_SIZE);
  }

  /**
   * write(2) of a whole buffer in one call, retried on EINTR.
   *
   * @param fd the descriptor
   * @param buf what to write
   * @return the count written, or {@code -errno}
   */
  public static int write(int fd, byte[] buf) {
    while (true) {
      try {
        return (int) LibC.write(fd, buf, buf.length);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR) {
          return -e.getErrorCode();
        }
      }
    }
  }

  /** O_CLOEXEC. */
  public static final int O_CLOEXEC = 0x80000;

  /** WNOHANG for waitpid. */
  public static final int WNOHANG = 1;

  /** Room for a posix_spawn_file_actions_t (80 bytes in glibc and musl). */
  private static final int FILE_ACTIONS_SIZE = 256;

  /**
   * pipe2(O_CLOEXEC).
   *
   * @return the read and the write end
   * @throws java.io.IOException when it fails
   */
  public static int[] pipe() throws java.io.IOException {
    int[] fds = new int[2];
    try {
      LibC.pipe2(fds, O_CLOEXEC);
      fds[0] = aboveStdio(fds[0]);
      fds[1] = aboveStdio(fds[1]);
      return fds;
    } catch (LastErrorException e) {
      throw new java.io.IOException("pipe2 failed: " + Errno.describe(e.getErrorCode()), e);
    }
  }

  /**
   * Waits until {@code fd} is readable (or at its end), up to {@code timeoutMs}.
   *
   * @param fd the descriptor
   * @param timeoutMs the longest wait
   * @return whether it is readable; false on timeout
   */
  public static boolean awaitReadable(int fd, int timeoutMs) {
    // struct pollfd {int fd; short events; short revents} as two ints, events POLLIN: the
    // process-events reader polls thousands of times a second, and each JNA Memory registers
    // with JNA's cleaner under a lock its cleaner thread (at the JVM's priority) holds too — a
    // reader raised above a fork bomb would wait for that thread behind the bomb
    int[] pollfd = {fd, java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
        ? 0x001 : 0x001 << 16};
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      int left = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
      try {
        return LibC.poll(pollfd, 1, left) > 0;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR || left == 0) {
          return false;
        }
      }
    }
  }

  /**
   * read(2), retried on EINTR.
   *
   * @param fd the descriptor
   * @param buf where to read to, from its start
   * @return the count, 0 at the end, or {@code -errno}
   */
  public static int read(int fd, byte[] buf) {
    while (true) {
      try {
        return (int) LibC.read(fd, buf, buf.length);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR) {
          return -e.getErrorCode();
        }
      }
    }
  }

  /**
   * A JVM started with a standard stream closed gets that number back from pipe2 or open: such
   * a descriptor is moved above 2 (close-on-exec), or a child's dup2 onto 0, 1 or 2 would
   * overwrite it.
   */
  private static int aboveStdio(int fd) throws LastErrorException {
    if (fd >= 3) {
      return fd;
    }
    int moved = LibC.fcntl(fd, 1030 /* F_DUPFD_CLOEXEC */, 3);
    LibC.close(fd);
    return moved;
  }

  /**
   * open(2) with O_CLOEXEC added.
   *
   * @param path the path, NUL-terminated, in the file system's encoding
   * @param flags the flags
   * @param mode the mode of a created file
   * @return the file descriptor, or {@code -errno}
   */
  public static int open(byte[] path, int flags, int mode) {
    try {
      return aboveStdio(LibC.open(path, flags | O_CLOEXEC, mode));
    } catch (LastErrorException e) {
      return -e.getErrorCode();
    }
  }

  /**
   * waitpid(2) for one child.
   *
   * @param pid the child
   * @param options 0 to wait, {@link #WNOHANG} not to
   * @return the raw wait status, or -1 when the child has not ended (WNOHANG), or {@code
   *     -2 - errno} on an error (the child is not ours, or was reaped already)
   */
  public static int waitpid(int pid, int options) {
    int[] status = new int[1];
    while (true) {
      try {
        int r = LibC.waitpid(pid, status, options);
        return r == pid ? status[0] : -1;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR) {
          return -2 - e.getErrorCode();
        }
      }
    }
  }

  /**
   * posix_spawn(3): starts {@code path} with {@code argv} and {@code envp}, after making each
   * {@code dup2[i][0]} the child's descriptor {@code dup2[i][1]}, in order. The calling thread
   * waits until the child has called exec (glibc and musl use {@code CLONE_VFORK}), so an exec
   * failure is reported here.
   *
   * @param path the program, NUL-terminated
   * @param argv a NULL-terminated array of pointers to NUL-terminated strings
   * @param envp the same, for the environment
   * @param dup2 pairs (from, to) of descriptors
   * @param pid set to the child's pid
   * @return 0, or the error number
   */
  public static int spawn(byte[] path, Pointer argv, Pointer envp, int[][] dup2, int[] pid) {
    if (dup2.length == 0) {
      return LibC.posix_spawn(pid, path, null, null, argv, envp);
    }
    Memory actions = new Memory(FILE_ACTIONS_SIZE);
    actions.clear();
    int err = LibC.posix_spawn_file_actions_init(actions);
    if (err != 0) {
      return err;
    }
    try {
      for (int[] d : dup2) {
        err = LibC.posix_spawn_file_actions_adddup2(actions, d[0], d[1]);
        if (err != 0) {
          return err;
        }
      }
      return LibC.posix_spawn(pid, path, actions, null, argv, envp);
    } finally {
      LibC.posix_spawn_file_actions_destroy(actions);
    }
  }

  /**
   * close(2), ignoring errors.
   *
   * @param fd the file descriptor
   */
  public static void close(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException e) {
      // nothing to do
    }
  }

  /**
   * kill(2).
   *
   * @param pid a pid, or {@code -pgid} for a process group
   * @param signal the signal number
   * @return 0 on success, otherwise the errno (e.g. {@link #ESRCH})
   */
  public static int kill(int pid, int signal) {
    try {
      return LibC.kill(pid, signal);
    } catch (LastErrorException e) {
      return e.getErrorCode();
    }
  }

  /**
   * Signals the process group that {@code pid} leads (a launched workload is its session's
   * leader), or the process alone when it leads none (any more).
   *
   * @param pid the group's leader
   * @param signal the signal number
   */
  public static void killGroupOrProcess(int pid, int signal) {
    if (kill(-pid, signal) != 0) {
      kill(pid, signal);
    }
  }
}
