package io.ffrtmp.internal.launch;

import io.ffrtmp.internal.os.ExitWatcher;
import io.ffrtmp.internal.os.LaunchSteps;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.internal.os.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Starts a workload through the pre-exec shim: the JVM spawns the shim ({@link Spawned}, so
 * the JVM is the parent and the caller's directory, environment and redirects apply), the shim
 * places itself, forks and {@code execvp}s the command in the child; the shim stays as its
 * keeper.
 */
public final class Launch {
  private static final AtomicLong COUNTER = new AtomicLong();

  private Launch() {}

  /**
   * A started workload.
   *
   * @param process the JVM's child: the keeper (the workload's parent), whose exit status is
   *     the workload's
   * @param errFile where the shim writes problems, only when there are any
   * @param workloadPid the workload's own pid (the keeper's child)
   * @param pidPipe where the keeper writes the workload's pid and the workload a failed exec's
   *     errno, until {@link #awaitExec} read it (then -1)
   * @param execErrno the errno of a failed exec already read from the pipe, else 0
   */
  public record Started(Spawned process, Path errFile, long workloadPid, int pidPipe,
      int execErrno) {}

  /**
   * Where the keeper records the exit, and which kernel counters it copies into the record.
   *
   * @param exitFile the exit record's path
   * @param counters the counter files to copy when the workload has ended
   */
  public record Keeper(Path exitFile, List<Path> counters) {}

  /**
   * One problem the shim met.
   *
   * @param kind {@code join}, {@code nice}, {@code oom_score_adj}, {@code setsid}, {@code
   *     not-found} or {@code not-executable}
   * @param subject the file, value or command concerned
   * @param error the system's error text
   */
  public record Note(String kind, String subject, String error) {}

  /**
   * Starts the command of {@code template} placed in {@code joinFiles}, with {@code nice} and
   * {@code oomScoreAdj} applied, in a new session.
   *
   * @param template the caller's process: command, directory, environment and redirects
   * @param joinFiles the cgroup.procs files to join
   * @param nice the nice value, or null to inherit
   * @param oomScoreAdj the oom_score_adj, or null to inherit
   * @param strict whether a placement, nice or oom failure must stop the launch
   * @param outputToError whether the workload's standard output joins its standard error
   * @param keeper where the keeper records the exit
   * @param waitForGo whether the shim waits for {@link #go(Started, Keeper)} before it starts
   *     the workload (the JVM places it itself meanwhile); the workload's pid is then 0 until
   *     that go
   * @return the started workload
   * @throws IOException if the shim cannot be started
   */
  public static Started start(
      ProcessBuilder template,
      List<Path> joinFiles,
      @Nullable Integer nice,
      @Nullable Integer oomScoreAdj,
      boolean strict,
      boolean outputToError,
      Keeper keeper,
      boolean waitForGo)
      throws IOException {
    Path shim = Shim.path();
    java.io.File dir = template.directory();
    if (dir != null && !dir.isDirectory()) {
      // the shim would change directory only after the start: say it here, as the JDK would
      throw inUsersTerms(template, dir.exists() ? 20 : 2, null);
    }
    Path errFile =
        Shim.privateDir()
            .resolve("launch-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()
                + ".err");
    List<String> cmd = new io.ffrtmp.internal.keeper.ShimCommand(shim, errFile, strict,
        outputToError, waitForGo, dir == null ? null : dir.getPath(), nice, oomScoreAdj,
        joinFiles, keeper.exitFile(), keeper.counters(), template.command()).argv();
    Spawned keeperProcess;
    // the keeper writes the workload's pid to its descriptor 3 as soon as it has forked
    int[] pidPipe = Posix.pipe();
    try {
      keeperProcess = Spawned.start(cmd, template, template.environment(),
          new int[][] {{pidPipe[1], 3}}, ExitWatcher.shared());
    } catch (Spawned.SpawnException e) {
      Posix.close(pidPipe[0]);
      throw inUsersTerms(template, e.errno(), e);
    } catch (IOException e) {
      Posix.close(pidPipe[0]);
      throw inUsersTerms(template, 0, e);
    } catch (RuntimeException e) {
      Posix.close(pidPipe[0]);
      throw e;
    } finally {
      Posix.close(pidPipe[1]);
    }
    LaunchSteps.mark(LaunchSteps.Step.SPAWN);
    Started started = new Started(keeperProcess, errFile, 0, pidPipe[0], 0);
    if (waitForGo) {
      return started;
    }
    Started withPid = childOf(started, keeper.exitFile());
    LaunchSteps.mark(LaunchSteps.Step.PID);
    return withPid;
  }

  /**
   * Lets go of a start that will not go on (a shim started with {@code waitForGo} whose
   * placement failed, or a launch whose record could not be completed): closes the pid pipe.
   * The caller kills the shim.
   *
   * @param started the start
   */
  public static void abandon(Started started) {
    if (started.pidPipe() >= 0) {
      Posix.close(started.pidPipe());
    }
  }

  /**
   * Lets a shim started with {@code waitForGo} start the workload: waits until it is ready for
   * the signal (it blocks every signal first and calls {@code setsid} before it waits, so its
   * session id becomes its pid), sends SIGURG and waits for the workload's pid.
   *
   * @param started the shim, as {@link #start} returned it
   * @param keeper where the keeper records the exit
   * @return the started workload, with its pid
   * @throws IOException when the shim ended or does not start the workload
   */
  public static Started go(Started started, Keeper keeper) throws IOException {
    Spawned p = started.process();
    long pid = p.pid();
    long deadline = System.nanoTime() + 10_000_000_000L;
    // SIGURG's default action is to ignore it: sent before the shim blocked it, it would be lost
    while (p.isAlive() && ProcFs.stat(pid)
        .map(s -> s.session() != pid).orElse(false) && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(50_000L);
    }
    Posix.kill((int) pid, Signals.SIGURG);
    return childOf(started, keeper.exitFile());
  }

  /**
   * Waits until the workload's exec is done: the pipe's end of file (its copy of the pipe is
   * close-on-exec) says that the command runs; a failed exec writes its errno first. This is
   * the JDK's own rule — a command that cannot be executed fails the start — at the cost of
   * the exec's first part (the kernel's loading of the program; its dynamic linking comes
   * after). Closes the pipe.
   *
   * @param started the start, as {@link #start} or {@link #go} returned it
   * @return the errno of the failed exec, or 0 when the command runs (or when that could not
   *     be known within 10 s: the shim's notes tell at the exit, as before)
   */
  public static int awaitExec(Started started) {
    int pipe = started.pidPipe();
    if (pipe < 0) {
      return started.execErrno();
    }
    try {
      if (started.execErrno() != 0) {
        return started.execErrno();
      }
      Lines lines = new Lines();
      while (Posix.awaitReadable(pipe, 10_000)) {
        if (!lines.readFrom(pipe)) {
          break; // end of file: the exec happened
        }
        if (lines.execErrno != 0) {
          return lines.execErrno;
        }
      }
      return lines.execErrno;
    } finally {
      Posix.close(pipe);
    }
  }

  /** The pipe's lines: {@code <pid>\n} from the keeper, {@code e<errno>\n} from a failed exec. */
  private static final class Lines {
    private final StringBuilder partial = new StringBuilder();
    long pid = -1;
    int execErrno;

    /** Reads once; false at the end of file (or an error). */
    boolean readFrom(int fd) {
      byte[] buf = new byte[64];
      int n = Posix.read(fd, buf);
      if (n <= 0) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        char c = (char) buf[i];
        if (c != '\n') {
          partial.append(c);
          continue;
        }
        String line = partial.toString();
        partial.setLength(0);
        try {
          if (line.startsWith("e")) {
            execErrno = Integer.parseInt(line.substring(1));
          } else {
            pid = Long.parseLong(line);
          }
        } catch (NumberFormatException e) {
          // not the keeper's: ignored
        }
      }
      return true;
    }
  }

  /**
   * The keeper's one child, the workload: the keeper writes its pid to the pid pipe as soon as
   * it has forked (a fraction of a millisecond after the spawn), and the JVM waits on the pipe
   * — no polling. A pipe closed without a pid means that the keeper ended without starting the
   * workload, or before it could say so: a workload that ended at once is named by the
   * keeper's exit record; when the keeper could not even fork, its own pid stands for the
   * workload. The pipe stays open for {@link #awaitExec} when the pid came.
   */
  private static Started childOf(Started started, Path exitFile) throws IOException {
    Spawned keeper = started.process();
    int pipe = started.pidPipe();
    boolean keepOpen = false;
    try {
      Lines lines = new Lines();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (lines.pid < 0) {
        int left = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
        if (!Posix.awaitReadable(pipe, left)) {
          throw new IOException("the launch shim (pid " + keeper.pid()
              + ") did not start the workload");
        }
        if (!lines.readFrom(pipe)) {
          long pid = recordedPid(keeper, exitFile).orElse(keeper.pid());
          return new Started(keeper, started.errFile(), pid, -1, lines.execErrno);
        }
      }
      keepOpen = true;
      return new Started(keeper, started.errFile(), lines.pid, pipe, lines.execErrno);
    } finally {
      if (!keepOpen) {
        Posix.close(pipe);
      }
    }
  }

  private static java.util.Optional<Long> recordedPid(Process keeper, Path exitFile) {
    try {
      keeper.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    }
    // no record: the keeper could not fork
    return io.ffrtmp.internal.keeper.StateDir.readExit(exitFile)
        .map(io.ffrtmp.internal.keeper.ExitRecord::pid);
  }

  /**
   * The program started is the shim; the user knows their own command and directory. The
   * cause, if any, stays attached.
   *
   * @param errno the error number, or 0 when the cause says why (a redirect's file)
   */
  private static IOException inUsersTerms(ProcessBuilder template, int errno,
      @Nullable IOException cause) {
    return inUsersTerms(template, errno, io.ffrtmp.LaunchException.LAUNCH_FAILED, cause);
  }

  /**
   * The exec of the command failed ({@link #awaitExec}): as the JDK says it, with the exit
   * status of a shell (127 not found, 126 not executable).
   *
   * @param template the caller's process
   * @param errno the exec's errno
   * @return the exception to throw
   */
  public static IOException execFailed(ProcessBuilder template, int errno) {
    boolean notFound = errno == 2 /* ENOENT */ || errno == 20 /* ENOTDIR */;
    return inUsersTerms(template, errno, notFound ? io.ffrtmp.LaunchException.NOT_FOUND
        : io.ffrtmp.LaunchException.NOT_EXECUTABLE, null);
  }

  private static IOException inUsersTerms(ProcessBuilder template, int errno, int exitCode,
      @Nullable IOException cause) {
    java.io.File dir = template.directory();
    String detail = errno != 0 ? io.ffrtmp.internal.os.Errno.describe(errno)
        : String.valueOf(cause == null ? null : cause.getMessage());
    if (dir != null && !dir.isDirectory()) {
      detail = "the working directory does not exist or is not a directory, " + detail;
    }
    return new io.ffrtmp.LaunchException("Cannot run program \"" + template.command().get(0)
        + "\"" + (dir == null ? "" : " (in directory \"" + dir + "\")") + ": " + detail, errno,
        exitCode, template.command(), dir == null ? null : dir.toPath(), cause, null);
  }

  /**
   * Reads and deletes the shim's notes, if it wrote any.
   *
   * @param errFile the file
   * @return the notes; empty when there were none
   */
  public static List<Note> takeNotes(Path errFile) {
    if (!Files.exists(errFile)) {
      return List.of(); // the usual case: the shim had nothing to say
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(errFile);
      Files.deleteIfExists(errFile);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      return List.of(new Note("read", errFile.toString(), e.toString()));
    }
    List<Note> notes = new ArrayList<>(lines.size());
    for (String line : lines) {
      String[] f = line.split("\t", 3);
      notes.add(new Note(f[0], f.length > 1 ? f[1] : "", f.length > 2 ? describe(f[2]) : ""));
    }
    return notes;
  }

  /** The shim reports errno numbers: in words ({@link io.ffrtmp.internal.os.Errno}). */
  static String describe(String errno) {
    try {
      return io.ffrtmp.internal.os.Errno.describe(Integer.parseInt(errno.trim()));
    } catch (NumberFormatException ex) {
      return errno;
    }
  }
}
