package io.ffrtmp.spi;

import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.internal.os.Signals;

/**
 * What a backend needs to know of and do to processes, so that it needs nothing but {@code
 * io.ffrtmp.spi}: signalling one process, telling a living process from a zombie, and the names
 * of signals. The core itself signals the workload's process group; a backend signals the
 * members of its cgroup (see {@link Governance#signalAll(int, long)}).
 */
public final class Processes {
  /** SIGTERM, the polite request to end (15). */
  public static final int SIGTERM = Signals.SIGTERM;
  /** SIGKILL, which cannot be caught (9). */
  public static final int SIGKILL = Signals.SIGKILL;

  private Processes() {}

  /**
   * Sends a signal to one process ({@code kill(2)}).
   *
   * @param pid the process id
   * @param signal the signal number
   * @return true if it was delivered; false if the process is gone or may not be signalled
   */
  public static boolean signal(long pid, int signal) {
    if (pid < 1 || pid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "pid must be between 1 and " + Integer.MAX_VALUE + ", got " + pid);
    }
    return Posix.kill((int) pid, signal) == 0;
  }

  /**
   * Whether a process exists and has not yet exited (a zombie, which has exited and waits for
   * its parent to collect it, is not living).
   *
   * @param pid the process id
   * @return true while it runs (or sleeps, or is stopped)
   */
  public static boolean isLiving(long pid) {
    return ProcFs.stat(pid).map(s -> s.state() != 'Z' && s.state() != 'X').orElse(false);
  }

  /**
   * The name of a signal.
   *
   * @param signal the number
   * @return e.g. {@code SIGKILL}
   */
  public static String signalName(int signal) {
    return Signals.name(signal);
  }
}
