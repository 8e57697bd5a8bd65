package io.ffrtmp.cgroups;

import io.ffrtmp.spi.CgroupNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the empty {@code ffrtmp-wrapper-*} cgroups that a crashed JVM left behind, once per
 * parent per backend instance (in practice once per JVM, as the registry holds one instance):
 * at the first start under that parent.
 */
public final class StaleSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(StaleSweeper.class);

  /** A left-behind cgroup younger than this is not collected: its JVM may be setting it up. */
  static final Duration STALE_MIN_AGE = Duration.ofSeconds(30);

  private final Set<Path> swept = ConcurrentHashMap.newKeySet();

  /** A sweeper that has swept nothing yet. */
  public StaleSweeper() {}

  /**
   * Sweeps {@code parent} with {@link #sweep} unless this sweeper already did.
   *
   * @param fs the cgroupfs
   * @param parent the parent directory
   * @return how many were removed
   */
  public int sweepOnce(CgroupFs fs, Path parent) {
    return swept.add(parent) ? sweep(fs, parent, STALE_MIN_AGE) : 0;
  }

  /**
   * Removes empty {@code ffrtmp-wrapper-*} cgroups under {@code parent}. Only directories with
   * the project's prefix, without processes and without children, and older than {@code minAge}
   * (younger ones may be in the middle of another JVM's start), are removed; anything else is
   * never touched.
   *
   * @param fs the cgroupfs
   * @param parent the parent directory
   * @param minAge the minimum age of a cgroup to be collected
   * @return how many were removed
   */
  public static int sweep(CgroupFs fs, Path parent, Duration minAge) {
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
            Files.readAttributes(dir, BasicFileAttributes.class).lastModifiedTime().toInstant();
        if (Duration.between(created, Instant.now()).compareTo(minAge) < 0) {
          continue;
        }
        fs.rmdir(dir);
        removed++;
        LOG.info("removed stale cgroup {}", dir);
      } catch (IOException e) {
        LOG.debug("stale cgroup {} left alone: {}", dir, CgroupFs.reason(e));
      }
    }
    return removed;
  }
}
