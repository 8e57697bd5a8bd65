package io.ffrtmp;

import java.io.IOException;

/** Thrown when a process to adopt does not exist: {@code process <PID> does not exist}. */
public final class NoSuchProcessException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The pid that was asked for. */
  private final long pid;

  /**
   * Creates the exception.
   *
   * @param pid the missing pid
   */
  public NoSuchProcessException(long pid) {
    super("process " + pid + " does not exist");
    this.pid = pid;
  }

  /**
   * The pid that was asked for.
   *
   * @return the pid
   */
  public long pid() {
    return pid;
  }
}
