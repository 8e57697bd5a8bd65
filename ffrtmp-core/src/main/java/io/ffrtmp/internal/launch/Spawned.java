package io.ffrtmp.internal.launch;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.ffrtmp.internal.os.ExitWatcher;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.Signals;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A child started with {@code posix_spawn(3)} instead of {@link ProcessBuilder}: the JDK starts
 * every process through its {@code jspawnhelper}, one more {@code exec} of a dynamically linked
 * program before the command (PERFORMANCE.md has its cost), and reaps on a thread of its own
 * that the caller's {@code waitFor} then waits for. The launch shim does the helper's work itself (it
 * closes the inherited descriptors and changes directory), so the JVM spawns the shim directly;
 * the exit is seen through a pidfd on the library's one watcher thread, which reaps the child
 * there and then.
 *
 * <p>Streams, redirects and exit values follow {@link ProcessBuilder}'s: a file redirect is
 * opened in the JVM before the spawn (a missing file fails the start with a {@link
 * FileNotFoundException}), a pipe's end is a buffered stream, and a child killed by a signal
 * has the exit value 128 + the signal's number.
 */
public final class Spawned extends Process {
  private static final Charset JNU =
      Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

  private final long pid;
  private final OutputStream stdin;
  private final InputStream stdout;
  private final InputStream stderr;
  private final CompletableFuture<Process> exit = new CompletableFuture<>();
  /** Guarded by this: whether the child was reaped (its pid may then name another process). */
  private boolean reaped;
  /** Guarded by this. */
  private int exitValue;
  private volatile @Nullable ProcessHandle handle;
  private final ExitWatcher watcher;

  private Spawned(long pid, ExitWatcher watcher, OutputStream stdin, InputStream stdout,
      InputStream stderr) {
    this.pid = pid;
    this.watcher = watcher;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code command} (its first element an absolute path) with {@code environment} and
   * the redirects of {@code redirects} (directory aside: the program changes directory itself).
   *
   * @param command the program and its arguments
   * @param redirects the caller's process description: its redirects and error-stream merge
   * @param environment the environment
   * @param more pairs (the JVM's descriptor, the child's number above 2), made after the
   *     standard streams; the caller keeps and closes its own descriptors
   * @param watcher the watcher that reaps the child
   * @return the started child
   * @throws IOException when a redirect's file cannot be opened ({@link FileNotFoundException})
   *     or the spawn fails ({@link SpawnException}, with the error number)
   */
  static Spawned start(List<String> command, ProcessBuilder redirects,
      Map<String, String> environment, int[][] more, ExitWatcher watcher) throws IOException {
    for (String arg : command) {
      if (arg.indexOf('\u0000') >= 0) {
        throw new IOException("invalid null character in command");
      }
    }
    List<Integer> toClose = new ArrayList<>(6);
    List<int[]> dup2 = new ArrayList<>(3);
    int[] parentEnds = {-1, -1, -1};
    try {
      for (int std = 0; std < 3; std++) {
        if (std == 2 && redirects.redirectErrorStream()) {
          dup2.add(new int[] {1, 2});
          continue;
        }
        Redirect r = std == 0 ? redirects.redirectInput()
            : std == 1 ? redirects.redirectOutput() : redirects.redirectError();
        switch (r.type()) {
          case PIPE: {
            int[] p = Posix.pipe();
            toClose.add(p[0]);
            toClose.add(p[1]);
            dup2.add(new int[] {std == 0 ? p[0] : p[1], std});
            parentEnds[std] = std == 0 ? p[1] : p[0];
            break;
          }
          case INHERIT:
            break;
          default: {
            File f = r.file();
            int fd = openRedirect(f, r.type());
            toClose.add(fd);
            dup2.add(new int[] {fd, std});
          }
        }
      }
      for (int[] m : more) {
        dup2.add(m);
      }
      int[] pid = new int[1];
      int err = Posix.spawn(cString(command.get(0)), strings(command),
          strings(environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
              .toList()), dup2.toArray(new int[0][]), pid);
      if (err != 0) {
        throw new SpawnException(command.get(0), err);
      }
      List<java.io.Closeable> streams = new ArrayList<>(3);
      Spawned s;
      try {
        s = new Spawned(pid[0], watcher,
            parentEnds[0] < 0 ? OutputStream.nullOutputStream()
                : kept(streams, new BufferedOutputStream(
                    new FileOutputStream(procFd(parentEnds[0])))),
            parentEnds[1] < 0 ? InputStream.nullInputStream()
                : kept(streams, new BufferedInputStream(
                    new FileInputStream(procFd(parentEnds[1])))),
            parentEnds[2] < 0 ? InputStream.nullInputStream()
                : kept(streams, new BufferedInputStream(
                    new FileInputStream(procFd(parentEnds[2])))));
      } catch (IOException | RuntimeException e) {
        // the child runs, but its caller could not be given its streams: it must not run on
        // unwatched; kill it and reap it
        for (java.io.Closeable c : streams) {
          try {
            c.close();
          } catch (IOException ignored) {
            // closing what was opened
          }
        }
        Posix.kill(pid[0], Signals.SIGKILL);
        new Spawned(pid[0], watcher, OutputStream.nullOutputStream(),
            InputStream.nullInputStream(), InputStream.nullInputStream()).watch();
        throw e;
      }
      s.watch();
      return s;
    } finally {
      // the child has its copies (and the streams theirs, opened anew through /proc)
      for (int fd : toClose) {
        Posix.close(fd);
      }
    }
  }

  /** The spawn itself failed: {@link #errno()} says why. */
  public static final class SpawnException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    SpawnException(String program, int errno) {
      super("Cannot run program \"" + program + "\": error=" + errno + ", "
          + io.ffrtmp.internal.os.Errno.text(errno));
      this.errno = errno;
    }

    /**
     * The error number.
     *
     * @return the errno
     */
    public int errno() {
      return errno;
    }
  }

  /** Opens a redirect's file as {@link FileInputStream} or {@link FileOutputStream} would. */
  private static int openRedirect(File f, Redirect.Type type) throws FileNotFoundException {
    int flags;
    switch (type) {
      case READ:
        if (f.isDirectory()) {
          throw new FileNotFoundException(f + " (Is a directory)");
        }
        flags = 0; // O_RDONLY
        break;
      case APPEND:
        flags = 01 | 0100 | 02000; // O_WRONLY | O_CREAT | O_APPEND
        break;
      default:
        flags = 01 | 0100 | 01000; // O_WRONLY | O_CREAT | O_TRUNC
    }
    int fd = Posix.open(cString(f.getPath()), flags, 0666);
    if (fd < 0) {
      throw new FileNotFoundException(f + " (" + io.ffrtmp.internal.os.Errno.text(-fd) + ")");
    }
    return fd;
  }

  private static <C extends java.io.Closeable> C kept(List<java.io.Closeable> list, C c) {
    list.add(c);
    return c;
  }

  /** The JVM's own descriptor {@code fd} as a path that opens the same pipe anew. */
  private static String procFd(int fd) {
    return "/proc/self/fd/" + fd;
  }

  private static byte[] cString(String s) {
    byte[] b = s.getBytes(JNU);
    byte[] z = new byte[b.length + 1];
    System.arraycopy(b, 0, z, 0, b.length);
    return z;
  }

  /** A NULL-terminated array of NUL-terminated strings, in one block of native memory. */
  private static Pointer strings(List<String> list) {
    byte[][] bytes = new byte[list.size()][];
    long total = 0;
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = list.get(i).getBytes(JNU);
      total += bytes[i].length + 1;
    }
    long table = (long) (bytes.length + 1) * Native.POINTER_SIZE;
    Memory m = new Memory(table + total);
    long at = table;
    for (int i = 0; i < bytes.length; i++) {
      m.setPointer((long) i * Native.POINTER_SIZE, m.share(at));
      m.write(at, bytes[i], 0, bytes[i].length);
      m.setByte(at + bytes[i].length, (byte) 0);
      at += bytes[i].length + 1;
    }
    m.setPointer((long) bytes.length * Native.POINTER_SIZE, null);
    return m;
  }

  /**
   * Reaps the child when it ends, on the watcher's thread: through its pidfd, or, on kernels
   * without pidfds (before 5.3), by the watcher's poll of {@code /proc/<pid>/stat} (a child that
   * has ended is a zombie until reaped, so its pid cannot name another process meanwhile).
   */
  private void watch() {
    watcher.watchChildPid(pid, this::reap);
  }

  /**
   * The child has ended: reaps it, under this object's lock, so that no signal of {@link
   * #destroy()} can reach a process that took over its pid.
   */
  private void reap() {
    synchronized (this) {
      int status = Posix.waitpid((int) pid, Posix.WNOHANG);
      if (status == -1) {
        // not ended after all (not seen with a pidfd or a zombie): watch again
        watch();
        return;
      }
      reaped = true;
      if (status < 0) {
        exitValue = 255; // reaped by someone else (SIGCHLD ignored, or a waitpid(-1) in the JVM)
      } else if ((status & 0x7f) == 0) {
        exitValue = (status >> 8) & 0xff;
      } else {
        exitValue = 0x80 + (status & 0x7f);
      }
    }
    exit.complete(this);
  }

  /**
   * Runs {@code action} once the child has ended and was reaped: at once if it has, otherwise
   * on the thread that reaps it (the watcher's). The action must be quick.
   *
   * @param action what to run
   */
  public void whenEnded(Runnable action) {
    exit.thenRun(action);
  }

  @Override
  public OutputStream getOutputStream() {
    return stdin;
  }

  @Override
  public InputStream getInputStream() {
    return stdout;
  }

  @Override
  public InputStream getErrorStream() {
    return stderr;
  }

  @Override
  public int waitFor() throws InterruptedException {
    try {
      exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    return exitValue();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      exit.get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized int exitValue() {
    if (!reaped) {
      throw new IllegalThreadStateException("process hasn't exited");
    }
    return exitValue;
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  /** Signals the child unless it was reaped (its pid cannot name another process before). */
  private synchronized void signal(int sig) {
    if (!reaped) {
      Posix.kill((int) pid, sig);
    }
  }

  @Override
  public void destroy() {
    signal(Signals.SIGTERM);
  }

  @Override
  public Process destroyForcibly() {
    signal(Signals.SIGKILL);
    return this;
  }

  @Override
  public boolean supportsNormalTermination() {
    return true;
  }

  @Override
  public long pid() {
    return pid;
  }

  /**
   * The child's handle. Taken on the first call, which must come before the child ended and was
   * reaped (the JDK makes handles only of living processes or zombies); a handle taken before
   * stays valid after the end. None is taken in advance: that would cost every launch for a call
   * that is rarely made.
   *
   * @throws UnsupportedOperationException when first called after the end
   */
  @Override
  public ProcessHandle toHandle() {
    ProcessHandle h = handle;
    if (h == null) {
      synchronized (this) {
        h = handle;
        if (h == null) {
          // not reaped yet (reap() takes this lock): the pid is still this child's
          h = ProcessHandle.of(pid).orElseThrow(
              () -> new UnsupportedOperationException("process " + pid + " has ended"));
          handle = h;
        }
      }
    }
    return h;
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return exit.copy();
  }

  @Override
  public String toString() {
    return "Process[pid=" + pid + ", exitValue="
        + (isAlive() ? "\"not exited\"" : Integer.toString(exitValue())) + "]";
  }
}
