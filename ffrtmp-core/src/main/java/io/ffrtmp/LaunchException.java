package io.ffrtmp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The workload's program could not be started at all: a command that is not found or not
 * executable (as {@link ProcessBuilder#start()} throws), a missing working directory, a
 * resource limit on processes, no memory to fork. Nothing of the command ran, and nothing was
 * left behind (no cgroup, no record). It carries the data a caller decides on — the kernel's
 * errno, the exit status a shell would give, the command and the directory — names the user's
 * command, not the library's launch helper, and (from {@link WorkloadBuilder#start()}) the
 * report of the failed start, so that a caller that keeps a report per job has one.
 */
public final class LaunchException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A command that was not found, as a shell exits. */
  public static final int NOT_FOUND = 127;

  /** A command that was found but could not be executed, as a shell exits. */
  public static final int NOT_EXECUTABLE = 126;

  /** The launch itself failed (directory, fork), as GNU {@code timeout} and {@code env} exit. */
  public static final int LAUNCH_FAILED = 125;

  private final int errno;
  private final int exitCode;
  private final transient List<String> command;
  private final transient @Nullable Path directory;
  private final transient @Nullable WorkloadReport report;

  /**
   * Creates the exception for a launch that failed before the command's exec ({@link
   * #LAUNCH_FAILED}).
   *
   * @param message the message, naming the command and the directory
   * @param errno the kernel's errno, or 0 when unknown
   * @param command the user's command
   * @param directory the working directory asked for, or null for the JVM's
   * @param cause what the JDK reported
   */
  public LaunchException(String message, int errno, List<String> command,
      @Nullable Path directory, @Nullable Throwable cause) {
    this(message, errno, LAUNCH_FAILED, command, directory, cause, null);
  }

  /**
   * Creates the exception.
   *
   * @param message the message, naming the command and the directory
   * @param errno the kernel's errno, or 0 when unknown
   * @param exitCode {@link #NOT_FOUND}, {@link #NOT_EXECUTABLE} or {@link #LAUNCH_FAILED}
   * @param command the user's command
   * @param directory the working directory asked for, or null for the JVM's
   * @param cause what the JDK reported
   * @param report the report of the failed start, or null
   */
  public LaunchException(String message, int errno, int exitCode, List<String> command,
      @Nullable Path directory, @Nullable Throwable cause, @Nullable WorkloadReport report) {
    super(message, cause);
    this.errno = errno;
    this.exitCode = exitCode;
    this.command = List.copyOf(command);
    this.directory = directory;
    this.report = report;
  }

  /**
   * The exit status a shell (or GNU {@code timeout}) gives for this failure: 127 for a command
   * not found, 126 for one not executable, 125 for a launch that failed otherwise.
   *
   * @return 127, 126 or 125
   */
  public int exitCode() {
    return exitCode;
  }

  /**
   * The report of the failed start: {@code pid} 0, {@link #exitCode()} as {@code exit_code},
   * {@code exit_reason} {@code error}, this message in {@code warnings}, not SLA-compliant.
   * {@link WorkloadBuilder#start()} always sets it.
   *
   * @return the report, if any
   */
  public Optional<WorkloadReport> report() {
    return Optional.ofNullable(report);
  }

  /**
   * The kernel's errno, e.g. 2 (ENOENT) for a command not found or a missing working
   * directory.
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
