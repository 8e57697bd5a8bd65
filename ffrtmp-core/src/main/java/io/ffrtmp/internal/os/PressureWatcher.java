package io.ffrtmp.internal.os;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches PSI triggers (the kernel's pressure stall notifications): a trigger line written to
 * a {@code <resource>.pressure} file opened read-write, whose descriptor then signals {@code
 * EPOLLPRI} each time the stall threshold is crossed within the window (at most once per
 * window). One daemon thread for every trigger of the JVM, blocked in {@code epoll_wait}; it
 * runs while anything is watched and leaves when nothing is (a later watch starts another).
 * Callbacks run on that thread and must only hand work elsewhere.
 */
public final class PressureWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(PressureWatcher.class);
  private static final PressureWatcher SHARED = new PressureWatcher();
  private static final int MAX_EVENTS = 32;
  /** The thread looks whether anything is still watched this often. */
  private static final int WAKE_MS = 1000;
  private static final int O_RDWR = 2;
  private static final int O_NONBLOCK = 0x800;

  /** A registered trigger; cancel it to stop watching and close its descriptor. */
  public interface Watch {
    /** Stops watching; no callback starts after this returns. Idempotent. */
    void cancel();
  }

  private record Entry(int fd, Runnable onEvent, Runnable onGone) {}

  private final Object lock = new Object();
  /** Guarded by lock. */
  private int epfd = -1;
  /** Guarded by lock. */
  private final Map<Long, Entry> entries = new HashMap<>();
  /** Guarded by lock. */
  private long nextId = 1;
  /** Guarded by lock: the watching thread, or null while none runs. */
  private @Nullable Thread thread;

  private PressureWatcher() {}

  /**
   * The JVM's watcher.
   *
   * @return the watcher
   */
  public static PressureWatcher shared() {
    return SHARED;
  }

  /**
   * Writes a trigger and watches it.
   *
   * @param file the pressure file, e.g. {@code /sys/fs/cgroup/x/cpu.pressure}
   * @param line the trigger, e.g. {@code some 150000 1000000}
   * @param onEvent run on the watcher's thread each time it fires
   * @param onGone run once on the watcher's thread if the kernel ends it (its cgroup removed);
   *     the watch is then over
   * @return the watch
   * @throws IOException when the file cannot be opened or the kernel refuses the trigger,
   *     naming the errno
   */
  public Watch watch(Path file, String line, Runnable onEvent, Runnable onGone)
      throws IOException {
    int fd = Posix.open((file + "\0").getBytes(StandardCharsets.UTF_8), O_RDWR | O_NONBLOCK, 0);
    if (fd < 0) {
      throw new IOException("cannot open " + file + ": " + Errno.describe(-fd));
    }
    // the kernel's own example writes the terminating NUL too
    int n = Posix.write(fd, (line + "\0").getBytes(StandardCharsets.US_ASCII));
    if (n < 0) {
      Posix.close(fd);
      throw new IOException("writing '" + line + "' to " + file + " failed: "
          + Errno.describe(-n));
    }
    synchronized (lock) {
      if (epfd < 0) {
        epfd = Posix.epollCreate();
      }
      long id = nextId++;
      int err = Posix.epollCtl(epfd, fd, id, true, Posix.EPOLLPRI);
      if (err != 0) {
        Posix.close(fd);
        throw new IOException("epoll_ctl of " + file + " failed: " + Errno.describe(err));
      }
      entries.put(id, new Entry(fd, onEvent, onGone));
      if (thread == null) {
        Thread t = new Thread(this::run, "ffrtmp-pressure");
        t.setDaemon(true);
        thread = t;
        t.start();
      }
      return () -> remove(id);
    }
  }

  private @Nullable Entry remove(long id) {
    synchronized (lock) {
      Entry e = entries.remove(id);
      if (e != null) {
        Posix.epollCtl(epfd, e.fd(), id, false, Posix.EPOLLPRI);
        Posix.close(e.fd());
      }
      return e;
    }
  }

  /**
   * How many triggers are watched now (tests: nothing is left open).
   *
   * @return the count
   */
  public int watched() {
    synchronized (lock) {
      return entries.size();
    }
  }

  private void run() {
    Memory events = new Memory((long) MAX_EVENTS * Posix.EPOLL_EVENT_SIZE);
    while (true) {
      int ep;
      synchronized (lock) {
        if (entries.isEmpty()) {
          thread = null;
          return;
        }
        ep = epfd;
      }
      int n = Posix.epollWait(ep, events, MAX_EVENTS, WAKE_MS);
      for (int i = 0; i < n; i++) {
        long id = Posix.epollData(events, i);
        int mask = Posix.epollEvents(events, i);
        try {
          if ((mask & Posix.EPOLLERR) != 0) {
            Entry gone = remove(id);
            if (gone != null) {
              gone.onGone().run();
            }
            continue;
          }
          Entry e;
          synchronized (lock) {
            e = entries.get(id);
          }
          if (e != null && (mask & Posix.EPOLLPRI) != 0) {
            e.onEvent().run();
          }
        } catch (RuntimeException ex) {
          LOG.warn("pressure watch callback failed: {}", ex.toString());
        }
      }
    }
  }
}
