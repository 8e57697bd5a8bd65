package io.ffrtmp.cgroups;

import io.ffrtmp.internal.CgroupNames;
import io.ffrtmp.internal.Posix;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the v1 and v2 backends do the same way: naming, removal, stale cleanup, signalling. */
public final class Cgroups {
  private static final Logger LOG = LoggerFactory.getLogger(Cgroups.class);

  /** A left-behind cgroup younger than this is not collected: its JVM may be setting it up. */
  static final Duration STALE_MIN_AGE = Duration.ofSeconds(30);

  private Cgroups() {}

  /**
   * Creates {@code parent/ffrtmp-wrapper-<safe id>}, or {@code ...-2}, {@code -3}, ... when
   * another workload of the same job id holds the name. {@code mkdir} is atomic, so two
   * concurrent starts never share a cgroup.
   *
   * @param fs the cgroupfs
   * @param parents the parent directory in each hierarchy (all get the same leaf name)
   * @param jobId the job id
   * @return the leaf name created under every parent
   * @throws IOException if a directory cannot be created (anything created is removed again)
   */
  public static String createUnique(CgroupFs fs, List<Path> parents, String jobId)
      throws IOException {
    String base = CgroupNames.forJob(jobId);
    for (int n = 1; n < 10_000; n++) {
      String name = n == 1 ? base : CgroupNames.withSuffix(base, n);
      List<Path> made = new ArrayList<>(parents.size());
      try {
        for (Path p : parents) {
          Path dir = p.resolve(name);
          fs.mkdir(dir);
          made.add(dir);
        }
        return name;
      } catch (FileAlreadyExistsException e) {
        removeAll(fs, made);
      } catch (IOException | RuntimeException e) {
        removeAll(fs, made);
        throw e;
      }
    }
    throw new IOException("no free cgroup name for job id " + jobId);
  }

  /**
   * Removes cgroup directories, retrying while the kernel says they are busy (a process that
   * just exited may linger for a moment), with backoff from 1 ms up to about {@code maxWait}.
   *
   * @param fs the cgroupfs
   * @param dirs the directories, children before parents
   * @param maxWait how long to keep trying
   * @return warnings for directories that could not be removed
   */
  public static List<String> remove(CgroupFs fs, List<Path> dirs, Duration maxWait) {
    List<String> warnings = new ArrayList<>();
    for (Path dir : dirs) {
      long deadline = System.nanoTime() + maxWait.toNanos();
      long sleepMs = 1;
      while (true) {
        try {
          fs.rmdir(dir);
          break;
        } catch (NoSuchFileException e) {
          break;
        } catch (IOException e) {
          if (System.nanoTime() > deadline || !isBusy(e)) {
            warnings.add(
                "cgroup " + dir + " not removed (" + reason(e) + "); a later start collects it"
                    + " once it is empty");
            break;
          }
          try {
            Thread.sleep(sleepMs);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            warnings.add("cgroup " + dir + " not removed (interrupted)");
            break;
          }
          sleepMs = Math.min(sleepMs * 2, 50);
        }
      }
    }
    return warnings;
  }

  /**
   * Removes cgroup directories without making the caller wait: one attempt each; a directory
   * the kernel reports busy (the workload's zombie not yet reaped by its parent, or children
   * that outlived it) is retried in the background with backoff for up to {@link
   * #DEFERRED_FOR}, after which a later start's stale cleanup collects it once empty.
   *
   * @param fs the cgroupfs
   * @param dirs the directories
   * @return a warning for each directory still holding living processes, and for each failure
   *     other than busy
   */
  public static List<String> removeOrDefer(CgroupFs fs, List<Path> dirs) {
    List<String> warnings = new ArrayList<>();
    List<Path> busy = new ArrayList<>();
    for (Path dir : dirs) {
      try {
        fs.rmdir(dir);
      } catch (NoSuchFileException e) {
        // already gone
      } catch (IOException e) {
        if (isBusy(e)) {
          busy.add(dir);
        } else {
          warnings.add("cgroup " + dir + " not removed (" + reason(e) + "); a later start"
              + " collects it once it is empty");
        }
      }
    }
    if (!busy.isEmpty()) {
      List<String> living = livingMembers(fs, busy.get(0));
      if (!living.isEmpty()) {
        warnings.add("cgroup " + busy.get(0) + " still holds processes that outlived the workload"
            + " (pids " + String.join(" ", living) + "); it is removed once they have exited");
      }
      Deferred.retry(fs, busy, 1);
    }
    return warnings;
  }

  /** How long a busy cgroup is retried in the background. */
  static final Duration DEFERRED_FOR = Duration.ofSeconds(10);

  private static List<String> livingMembers(CgroupFs fs, Path dir) {
    List<String> out = new ArrayList<>();
    try {
      for (String pid : fs.read(dir.resolve("cgroup.procs")).split("\n")) {
        if (pid.isBlank()) {
          continue;
        }
        String state = io.ffrtmp.internal.ProcFs.stat(Long.parseLong(pid.trim()))
            .map(st -> String.valueOf(st.state())).orElse("X");
        if (!state.equals("Z") && !state.equals("X")) {
          out.add(pid.trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return out;
    }
    return out;
  }

  /** The background retries of {@link #removeOrDefer}: one daemon thread for all. */
  private static final class Deferred {
    private static final java.util.concurrent.ScheduledThreadPoolExecutor EXECUTOR = create();

    private static java.util.concurrent.ScheduledThreadPoolExecutor create() {
      var e = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "ffrtmp-cgroup-cleanup");
        t.setDaemon(true);
        return t;
      });
      e.setRemoveOnCancelPolicy(true);
      return e;
    }

    static void retry(CgroupFs fs, List<Path> dirs, long delayMs) {
      EXECUTOR.schedule(() -> {
        List<Path> still = new ArrayList<>();
        for (Path d : dirs) {
          try {
            fs.rmdir(d);
          } catch (NoSuchFileException e) {
            // gone
          } catch (IOException e) {
            if (isBusy(e)) {
              still.add(d);
            } else {
              LOG.warn("cgroup {} not removed: {}", d, reason(e));
            }
          }
        }
        if (still.isEmpty()) {
          return;
        }
        long next = Math.min(delayMs * 2, 1000);
        if (delayMs >= DEFERRED_FOR.toMillis() / 10) {
          LOG.warn("cgroup {} still populated after {}; a later start collects it once empty",
              still.get(0), DEFERRED_FOR);
          return;
        }
        retry(fs, still, next);
      }, delayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private static void removeAll(CgroupFs fs, List<Path> dirs) {
    for (Path d : dirs) {
      try {
        fs.rmdir(d);
      } catch (IOException e) {
        LOG.warn("could not remove {} after a failed setup: {}", d, reason(e));
      }
    }
  }

  static boolean isBusy(IOException e) {
    String r = reason(e);
    return r.contains("busy") || r.contains("not empty");
  }

  /**
   * The kernel's reason in an exception, e.g. {@code Permission denied}.
   *
   * @param e the exception
   * @return the reason
   */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return String.valueOf(e.getMessage());
  }

  /**
   * Remembers which parents a backend instance has swept, so that each is swept once: at the
   * first start under it (in practice once per JVM, as the registry holds one instance).
   */
  public static final class Sweeper {
    private final Set<Path> swept = ConcurrentHashMap.newKeySet();

    /**
     * Sweeps {@code parent} with {@link Cgroups#sweepStale} unless this sweeper already did.
     *
     * @param fs the cgroupfs
     * @param parent the parent directory
     * @return how many were removed
     */
    public int sweepOnce(CgroupFs fs, Path parent) {
      return swept.add(parent) ? sweepStale(fs, parent, STALE_MIN_AGE) : 0;
    }
  }

  /**
   * Removes empty {@code ffrtmp-wrapper-*} cgroups that a crashed JVM left under {@code parent}.
   * Only directories with the project's prefix, without processes and without children, and
   * older than {@code minAge} (younger ones may be in the middle of another JVM's start), are
   * removed; anything else is never touched.
   *
   * @param fs the cgroupfs
   * @param parent the parent directory
   * @param minAge the minimum age of a cgroup to be collected
   * @return how many were removed
   */
  public static int sweepStale(CgroupFs fs, Path parent, Duration minAge) {
    int removed = 0;
    List<String> children;
    try {
      children = fs.children(parent);
    } catch (IOException e) {
      return 0;
    }
    for (String name : children) {
      if (!name.startsWith(CgroupNames.PREFIX)) {
        continue;
      }
      Path dir = parent.resolve(name);
      try {
        if (!fs.read(dir.resolve("cgroup.procs")).isBlank() || !fs.children(dir).isEmpty()) {
          continue;
        }
        Instant created =
            java.nio.file.Files.readAttributes(dir, BasicFileAttributes.class)
                .lastModifiedTime()
                .toInstant();
        if (Duration.between(created, Instant.now()).compareTo(minAge) < 0) {
          continue;
        }
        fs.rmdir(dir);
        removed++;
        LOG.info("removed stale cgroup {}", dir);
      } catch (IOException e) {
        LOG.debug("stale cgroup {} left alone: {}", dir, reason(e));
      }
    }
    return removed;
  }

  /**
   * Sends a signal to every process listed in a {@code cgroup.procs} file.
   *
   * @param fs the cgroupfs
   * @param procs the cgroup.procs file
   * @param signal the signal
   * @return how many processes were signalled
   */
  public static int signalMembers(CgroupFs fs, Path procs, int signal) {
    int n = 0;
    try {
      for (String line : fs.read(procs).split("\n")) {
        if (!line.isBlank()) {
          if (Posix.kill(Integer.parseInt(line.trim()), signal) == 0) {
            n++;
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      LOG.debug("could not signal members of {}: {}", procs, e.toString());
    }
    return n;
  }

  /**
   * After a write that did not take (refused, or read back different — a short write can leave
   * a far stricter value than asked), puts the kernel's default back, so that a constraint
   * recorded as failed is not in force in some other form.
   *
   * @param fs the cgroupfs
   * @param file the control file
   * @param defaultValue what a new cgroup holds there, or null to leave it
   * @return a clause for the enforcement detail
   */
  public static String resetToDefault(CgroupFs fs, Path file, @org.jspecify.annotations.Nullable
      String defaultValue) {
    if (defaultValue == null) {
      return "";
    }
    try {
      fs.write(file, defaultValue);
      return "; reset to the default " + defaultValue;
    } catch (IOException e) {
      LOG.warn("could not reset {} to {}: {}", file, defaultValue, reason(e));
      return "; could not reset it to the default " + defaultValue + " (" + reason(e) + ")";
    }
  }

  /**
   * Kills every member of a cgroup while it is frozen, so that nothing forks in between: freeze,
   * wait (up to about 100 ms) until the kernel says frozen, signal every process in {@code
   * procs}, thaw. Where freezing fails the members are signalled anyway.
   *
   * @param fs the cgroupfs
   * @param freezeFile {@code freezer.state} (v1) or {@code cgroup.freeze} (v2)
   * @param frozen what to write to freeze ({@code FROZEN} or {@code 1})
   * @param thawed what to write to thaw ({@code THAWED} or {@code 0})
   * @param isFrozen whether the kernel reports the cgroup frozen
   * @param procs the cgroup.procs file
   * @param signal the signal
   */
  public static void signalFrozen(CgroupFs fs, Path freezeFile, String frozen, String thawed,
      FrozenProbe isFrozen, Path procs, int signal) {
    try {
      fs.write(freezeFile, frozen);
      for (int i = 0; i < 100 && !isFrozen.frozen(); i++) {
        Thread.sleep(1);
      }
    } catch (IOException e) {
      LOG.debug("cannot freeze {}: {}", freezeFile, reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      signalMembers(fs, procs, signal);
    } finally {
      try {
        fs.write(freezeFile, thawed);
      } catch (IOException e) {
        LOG.warn("could not thaw {}: {}", freezeFile, reason(e));
      }
    }
  }

  /** Whether the kernel reports a cgroup frozen. */
  @FunctionalInterface
  public interface FrozenProbe {
    /**
     * Reads the cgroup's freezer state.
     *
     * @return true when frozen
     * @throws IOException when it cannot be read
     */
    boolean frozen() throws IOException;
  }

  /**
   * Parses a number in a control file, where {@code max} means unlimited.
   *
   * @param text the text
   * @return the number, or {@link Long#MAX_VALUE} for {@code max}
   */
  public static long parseLimit(String text) {
    String t = text.trim();
    return t.equals("max") ? Long.MAX_VALUE : Long.parseLong(t);
  }

  /**
   * Reads a {@code key value} line from a flat-keyed control file such as {@code cpu.stat}.
   *
   * @param text the content
   * @param key the key
   * @return the value, or null when absent
   */
  public static @org.jspecify.annotations.Nullable Long keyed(String text, String key) {
    for (String line : text.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0 && line.substring(0, sp).equals(key)) {
        return Long.parseLong(line.substring(sp + 1).trim());
      }
    }
    return null;
  }
}
