package io.ffrtmp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The host could not start the workload's program at all (before any of it ran): a missing
 * working directory, a resource limit on processes, no memory to fork. It carries the data a
 * caller decides on — the kernel's errno, the command and the directory — and names the user's
 * command, not the library's launch helper. A command that is not found or not executable is
 * not this: it starts and ends with exit status 127 or 126, as in a shell.
 */
public final class LaunchException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;
  private final transient List<String> command;
  private final transient @Nullable Path directory;

  /**
   * Creates the exception.
   *
   * @param message the message, naming the command and the directory
   * @param errno the kernel's errno, or 0 when unknown
   * @param command the user's command
   * @param directory the working directory asked for, or null for the JVM's
   * @param cause what the JDK reported
   */
  public LaunchException(String message, int errno, List<String> command,
      @Nullable Path directory, @Nullable Throwable cause) {
    super(message, cause);
    this.errno = errno;
    this.command = List.copyOf(command);
    this.directory = directory;
  }

  /**
   * The kernel's errno, e.g. 2 (ENOENT) for a missing working directory.
   *
   * @return the errno, or 0 when unknown
   */
  public int errno() {
    return errno;
  }

  /**
   * The command that could not be started.
   *
   * @return the program and its arguments
   */
  public List<String> command() {
    return command;
  }

  /**
   * The working directory asked for.
   *
   * @return it, or null for the JVM's own
   */
  public @Nullable Path directory() {
    return directory;
  }
}
