package io.ffrtmp.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Facts about the test host, and skips with a printed reason. */
public final class Host {
  private Host() {}

  /**
   * Whether the tests run as root.
   *
   * @return true for uid 0
   */
  public static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.substring(4).trim().split("\\s+")[0].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /**
   * Skips the calling test, printing why, unless {@code condition} holds.
   *
   * @param condition what the test needs
   * @param reason why it is skipped otherwise
   */
  public static void require(boolean condition, String reason) {
    if (!condition) {
      System.err.println("SKIPPED: " + reason);
    }
    Assumptions.assumeTrue(condition, reason);
  }

  /**
   * Waits until a process no longer exists (or is a zombie), up to a timeout.
   *
   * @param pid the pid
   * @param millis the timeout
   * @return true if it is gone
   * @throws InterruptedException if interrupted
   */
  public static boolean awaitGone(long pid, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      if (!alive(pid)) {
        return true;
      }
      Thread.sleep(10);
    }
    return !alive(pid);
  }

  /**
   * Whether a process exists and is not a zombie.
   *
   * @param pid the pid
   * @return true if it runs (or sleeps, or is stopped)
   */
  public static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Kills a process with SIGKILL if it still exists (cleanup for tests).
   *
   * @param pid the pid
   */
  public static void killQuietly(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  /**
   * Waits until a directory is gone (e.g. a cgroup removed in the background).
   *
   * @param dir the directory
   * @param millis the timeout
   * @return true if it is gone
   * @throws InterruptedException if interrupted
   */
  public static boolean awaitGoneDir(Path dir, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (Files.exists(dir) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return !Files.exists(dir);
  }

  /**
   * The cgroup hierarchies mounted here: each v1 hierarchy's root and the v2 root.
   *
   * @return their directories
   */
  public static java.util.List<Path> cgroupRoots() {
    java.util.List<Path> out = new java.util.ArrayList<>();
    Path base = Path.of("/sys/fs/cgroup");
    if (Files.exists(base.resolve("cgroup.controllers"))) {
      out.add(base);
      return out;
    }
    try (java.util.stream.Stream<Path> s = Files.list(base)) {
      s.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).forEach(out::add);
    } catch (IOException e) {
      // no cgroups
    }
    return out;
  }
}
