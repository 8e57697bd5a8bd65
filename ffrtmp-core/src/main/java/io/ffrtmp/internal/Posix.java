package io.ffrtmp.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

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

  private Posix() {}

  private static final class LibC {
    static {
      Native.register("c");
    }

    static native int kill(int pid, int sig) throws LastErrorException;
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
}
