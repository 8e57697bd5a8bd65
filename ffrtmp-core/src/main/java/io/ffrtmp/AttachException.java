package io.ffrtmp;

import java.io.IOException;

/**
 * Thrown when a process exists but cannot be adopted: a kernel thread, a zombie, or a process
 * this user may not govern.
 */
public final class AttachException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The pid that was asked for. */
  private final long pid;

  /**
   * Creates the exception.
   *
   * @param pid the pid
   * @param message why it cannot be adopted
   */
  public AttachException(long pid, String message) {
    super(message);
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
