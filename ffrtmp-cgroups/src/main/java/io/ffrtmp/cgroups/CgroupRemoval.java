package io.ffrtmp.cgroups;

import io.ffrtmp.spi.Processes;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a workload's cgroup directories without making the caller wait: one attempt each; a
 * directory the kernel reports busy (the workload's zombie not yet reaped by its parent, or
 * children that outlived it) is retried in the background, on one daemon thread for all: with
 * backoff from 1 ms to 1 s during the first {@link #DEFERRED_FOR}, then every {@link
 * #LONG_RETRY} for as long as the JVM runs, so that a worker agent running for months removes
 * every cgroup it created once it is empty. Cgroups a JVM left behind when it ended are
 * collected by a later start's {@link StaleSweeper}.
 */
public final class CgroupRemoval {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupRemoval.class);

  /** How long a busy cgroup is retried with backoff. */
  static final Duration DEFERRED_FOR = Duration.ofSeconds(10);

  /** The interval of the retries after {@link #DEFERRED_FOR}. */
  static final Duration LONG_RETRY = Duration.ofSeconds(10);

  private CgroupRemoval() {}

  /**
   * Removes the directories, deferring busy ones.
   *
   * @param fs the cgroupfs
   * @param dirs the directories
   * @return a warning for each directory still holding living processes, and for each failure
   *     other than busy
   */
  public static List<String> removeOrDefer(CgroupFs fs, List<Path> dirs) {
    List<String> warnings = new ArrayList<>();
    List<Path> busy = tryRemove(fs, dirs, (dir, e) -> warnings.add("cgroup " + dir
        + " not removed (" + CgroupFs.reason(e) + "); a later start collects it once it is empty"));
    if (!busy.isEmpty()) {
      List<String> living = livingMembers(fs, busy.get(0));
      if (!living.isEmpty()) {
        warnings.add("cgroup " + busy.get(0) + " still holds processes that outlived the workload"
            + " (pids " + String.join(" ", living) + "); it is removed once they have exited");
      }
      Deferred.retry(fs, busy, 1, System.nanoTime());
    }
    return warnings;
  }

  /**
   * One removal attempt per directory.
   *
   * @return the directories the kernel reports busy; other failures go to {@code failed}
   */
  private static List<Path> tryRemove(CgroupFs fs, List<Path> dirs,
      BiConsumer<Path, IOException> failed) {
    List<Path> busy = new ArrayList<>();
    for (Path dir : dirs) {
      try {
        fs.rmdir(dir);
      } catch (NoSuchFileException e) {
        // already gone
      } catch (IOException e) {
        if (CgroupFs.isBusy(e)) {
          busy.add(dir);
        } else {
          failed.accept(dir, e);
        }
      }
    }
    return busy;
  }

  private static List<String> livingMembers(CgroupFs fs, Path dir) {
    List<String> out = new ArrayList<>();
    try {
      for (String pid : fs.read(dir.resolve("cgroup.procs")).split("\n")) {
        if (!pid.isBlank() && Processes.isLiving(Long.parseLong(pid.trim()))) {
          out.add(pid.trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return out;
    }
    return out;
  }

  /** The background retries: one daemon thread for all. */
  private static final class Deferred {
    private static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      var e = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "ffrtmp-cgroup-cleanup");
        t.setDaemon(true);
        return t;
      });
      e.setRemoveOnCancelPolicy(true);
      return e;
    }

    static void retry(CgroupFs fs, List<Path> dirs, long delayMs, long since) {
      EXECUTOR.schedule(() -> {
        List<Path> still = tryRemove(fs, dirs,
            (d, e) -> LOG.warn("cgroup {} not removed: {}", d, CgroupFs.reason(e)));
        long elapsedMs = (System.nanoTime() - since) / 1_000_000;
        if (still.size() < dirs.size() && elapsedMs >= DEFERRED_FOR.toMillis()) {
          LOG.info("removed cgroup {} once empty, {} s after its workload ended", dirs.get(0),
              elapsedMs / 1000);
        }
        if (still.isEmpty()) {
          return;
        }
        long next;
        if (elapsedMs < DEFERRED_FOR.toMillis()) {
          next = Math.min(delayMs * 2, 1000);
        } else {
          if (delayMs < LONG_RETRY.toMillis()) {
            LOG.warn("cgroup {} still populated {} s after its workload ended (pids {});"
                + " retrying every {} s until it is empty", still.get(0), elapsedMs / 1000,
                String.join(" ", livingMembers(fs, still.get(0))), LONG_RETRY.toSeconds());
          }
          next = LONG_RETRY.toMillis();
        }
        retry(fs, still, next, since);
      }, delayMs, TimeUnit.MILLISECONDS);
    }
  }
}
