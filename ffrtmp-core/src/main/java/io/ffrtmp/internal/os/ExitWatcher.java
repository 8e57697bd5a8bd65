package io.ffrtmp.internal.os;

import com.sun.jna.Memory;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the exit of processes: adopted ones (attach mode) and the JVM's own launched keepers
 * ({@link #watchChildPid}), one daemon thread for all of them, blocked in {@code epoll_wait} on a pidfd per process, so an exit is
 * seen as soon as the kernel reports it and the number of watching threads does not grow with
 * the number of workloads. Where the kernel lacks {@code pidfd_open} (before 5.3), the same
 * thread polls {@code /proc/<pid>/stat} every {@value #FALLBACK_POLL_MS} ms instead (a new
 * polled process is first looked at within a second).
 *
 * <p>PID reuse is guarded: each watch carries the process's start time (field 22 of stat),
 * checked when the pidfd is opened and by every fallback poll.
 */
public final class ExitWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);

  /** Poll interval where pidfds are unavailable. */
  static final int FALLBACK_POLL_MS = 10;

  private static final int MAX_EVENTS = 64;

  /** Without polled entries the thread still wakes this often, to notice new ones. */
  private static final int IDLE_WAKE_MS = 1000;

  private static volatile ExitWatcher shared;

  private final int epfd;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Entry> byId = new HashMap<>();
  private final Map<Long, Entry> polled = new HashMap<>();
  /** Guarded by this: the watching thread (a new one if work arrives after it left at exit). */
  private Thread thread;

  /** Guarded by this: whether {@link #thread} is looping (false once it left at JVM exit). */
  private boolean running;

  private record Entry(long id, long pid, long startTime, int fd, Runnable onExit) {}

  /** A registered watch; cancel it to stop watching. */
  public interface Watch {
    /** Stops watching; the callback will not run (unless it already has). */
    void cancel();
  }

  /** False only in tests of the polling path, as on kernels without pidfd_open. */
  private final boolean pidfds;

  /** Written when the polled set changes, so that the watcher looks at once (id {@value #WAKE}). */
  private final int wakeFd;

  private static final long WAKE = 0;

  private ExitWatcher(boolean pidfds) {
    this.pidfds = pidfds;
    this.epfd = Posix.epollCreate();
    this.wakeFd = Posix.eventfd();
    int err = Posix.epollCtl(epfd, wakeFd, WAKE, true);
    if (err != 0) {
      throw new IllegalStateException("epoll_ctl of the wake-up eventfd failed: "
          + Errno.describe(err));
    }
    synchronized (this) {
      this.thread = startThread();
    }
    // At JVM exit HotSpot waits up to 300 ms for threads that are in native code (ours sits in
    // epoll_wait). Once the JVM shuts down the thread leaves as soon as nothing is watched, so
    // that a JVM that used the library exits at once; exits still watched (a shutdown hook
    // waiting for a report) are still seen.
    Runtime.getRuntime().addShutdownHook(new Thread(this::jvmExiting, "ffrtmp-exit-watcher-stop"));
  }

  /** The JVM shuts down: the thread leaves once nothing is watched (visible for tests). */
  void jvmExiting() {
    stopping = true;
    Posix.eventfdSignal(wakeFd);
  }

  /** Starts a watching thread; the caller holds this. */
  private Thread startThread() {
    Thread t = new Thread(this::loop, "ffrtmp-exit-watcher");
    t.setDaemon(true);
    running = true;
    t.start();
    return t;
  }

  /** Work was added: if the thread left at JVM exit, start another; the caller holds this. */
  private void keepWatching() {
    if (!running) {
      thread = startThread();
    }
  }

  /**
   * The JVM's one watcher, started on first use.
   *
   * @return the watcher
   */
  public static ExitWatcher shared() {
    ExitWatcher w = shared;
    if (w == null) {
      synchronized (ExitWatcher.class) {
        w = shared;
        if (w == null) {
          w = new ExitWatcher(true);
          shared = w;
        }
      }
    }
    return w;
  }

  /**
   * Calls {@code onExit} once, on the watcher's thread, when the process {@code pid} that
   * started at {@code startTime} has exited (also if it already has). The callback must be
   * quick and must not block.
   *
   * @param pid the process
   * @param startTime its start time (stat field 22)
   * @param onExit what to do then
   * @return the watch
   */
  public Watch watch(long pid, long startTime, Runnable onExit) {
    long id = ids.incrementAndGet();
    int fd = pidfds ? Posix.pidfdOpen((int) pid) : -Posix.ENOSYS;
    if (fd == -Posix.ESRCH) {
      // already gone (it exited while being adopted): say so now, not at the next poll
      onExit.run();
      return () -> {};
    }
    if (fd >= 0 && !sameProcess(pid, startTime)) {
      // the pid now names another process (or none): ours is gone
      Posix.close(fd);
      onExit.run();
      return () -> {};
    }
    Entry e = new Entry(id, pid, startTime, fd, onExit);
    synchronized (this) {
      if (fd >= 0) {
        register(e);
      } else {
        if (fd != -Posix.ENOSYS) {
          LOG.debug("pidfd_open({}) failed with errno {}, polling instead", pid, -fd);
        }
        polled.put(id, new Entry(id, pid, startTime, -1, onExit));
        Posix.eventfdSignal(wakeFd); // the watcher may sleep in its idle wait: look now
        keepWatching();
      }
    }
    return () -> cancel(id);
  }

  /**
   * Calls {@code onExit} on the watcher's thread once the JVM's child {@code pid}, which has
   * not been reaped, has ended: through its pidfd, or, without pidfds (kernels before 5.3), by
   * the poll of {@code /proc/<pid>/stat} (an ended child is a zombie until reaped: its pid
   * cannot name another process meanwhile). The callback reaps it.
   *
   * @param pid the child
   * @param onExit what to do then: quick, without blocking
   */
  public void watchChildPid(long pid, Runnable onExit) {
    int fd = pidfds ? Posix.pidfdOpen((int) pid) : -Posix.ENOSYS;
    if (fd < 0) {
      watch(pid, ProcFs.stat(pid).map(ProcFs.Stat::startTime).orElse(0L), onExit);
      return;
    }
    long id = ids.incrementAndGet();
    synchronized (this) {
      register(new Entry(id, pid, -1, fd, onExit));
    }
  }

  /** Adds a pidfd's entry to the epoll set; the caller holds this. */
  private void register(Entry e) {
    byId.put(e.id(), e);
    int err = Posix.epollCtl(epfd, e.fd(), e.id(), true);
    if (err != 0) {
      byId.remove(e.id());
      Posix.close(e.fd());
      throw new IllegalStateException("epoll_ctl failed: " + Errno.describe(err));
    }
    keepWatching();
  }

  /**
   * A separate watcher that never uses pidfds: the path of kernels before 5.3, for tests.
   *
   * @return a new watcher with its own thread
   */
  public static ExitWatcher pollingOnly() {
    return new ExitWatcher(false);
  }

  /**
   * A separate watcher with pidfds, for tests that must not disturb the shared one.
   *
   * @return a new watcher with its own thread
   */
  static ExitWatcher separate() {
    return new ExitWatcher(true);
  }

  /**
   * How many processes are being watched.
   *
   * @return the count
   */
  public synchronized int size() {
    return byId.size() + polled.size();
  }

  /**
   * The watching thread, for tests counting threads.
   *
   * @return the thread
   */
  synchronized Thread thread() {
    return thread;
  }

  private synchronized void cancel(long id) {
    Entry e = byId.remove(id);
    if (e != null) {
      Posix.epollCtl(epfd, e.fd(), id, false);
      Posix.close(e.fd());
    }
    polled.remove(id);
  }

  private static boolean sameProcess(long pid, long startTime) {
    return ProcFs.stat(pid).map(s -> s.startTime() == startTime && s.state() != 'Z'
        && s.state() != 'X').orElse(false);
  }

  /** Set at JVM shutdown: the thread leaves once nothing is watched. */
  private volatile boolean stopping;

  private void loop() {
    Memory events = new Memory((long) MAX_EVENTS * Posix.EPOLL_EVENT_SIZE);
    while (true) {
      int timeout;
      synchronized (this) {
        if (stopping && byId.isEmpty() && polled.isEmpty()) {
          running = false;
          return;
        }
        timeout = polled.isEmpty() ? IDLE_WAKE_MS : FALLBACK_POLL_MS;
      }
      int n;
      try {
        n = Posix.epollWait(epfd, events, MAX_EVENTS, timeout);
      } catch (RuntimeException e) {
        // never let the one watching thread die: every later exit would go unnoticed
        LOG.error("epoll_wait failed, retrying: {}", e.toString());
        pause();
        continue;
      }
      for (int i = 0; i < n; i++) {
        long id = Posix.epollData(events, i);
        if (id == WAKE) {
          Posix.eventfdDrain(wakeFd);
          continue;
        }
        Entry e;
        synchronized (this) {
          e = byId.remove(id);
          if (e != null) {
            Posix.epollCtl(epfd, e.fd(), id, false);
            Posix.close(e.fd());
          }
        }
        if (e != null) {
          fire(e);
        }
      }
      pollFallback();
    }
  }

  private void pollFallback() {
    java.util.List<Entry> gone = new java.util.ArrayList<>();
    synchronized (this) {
      for (Iterator<Entry> it = polled.values().iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (!sameProcess(e.pid(), e.startTime())) {
          it.remove();
          gone.add(e);
        }
      }
    }
    gone.forEach(ExitWatcher::fire);
  }

  private static void fire(Entry e) {
    try {
      e.onExit().run();
    } catch (RuntimeException | Error ex) {
      // an Error too: the watching thread must survive any one workload's report
      LOG.error("exit callback for pid {} failed: {}", e.pid(), ex.toString());
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
