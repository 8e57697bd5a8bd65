package io.ffrtmp.cgroups;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Test clean-up: removal of cgroups that waits while the kernel says they are busy. */
public final class TestCgroups {
  /**
   * A bounded fork storm for a {@code /bin/sh -c}: a subshell forks 200 {@code sleep}s, giving
   * up at the first fork the kernel refuses; the script then prints {@code survived} and
   * becomes one {@code sleep 60} (no fork needed). Under a pids limit it shows containment;
   * without one it still stops at 200.
   */
  /**
   * The CPUs a process may run on, as the kernel says it ({@code Cpus_allowed_list} of its
   * status).
   *
   * @param pid the process
   * @return e.g. {@code 0-1}
   * @throws java.io.UncheckedIOException when the process is gone
   */
  public static String cpusAllowed(long pid) {
    try {
      return java.nio.file.Files.readString(Path.of("/proc/" + pid + "/status")).lines()
          .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
          .replaceFirst("Cpus_allowed_list:\\s*", "");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The whole disk a file is on, as {@code stat(1)} and sysfs say it (not the library's own
   * resolution): {@code major:minor} of its file system's device, or of that partition's disk.
   *
   * @param file the file
   * @return e.g. {@code 254:0}
   */
  public static String diskOf(Path file) {
    try {
      Process p = new ProcessBuilder("stat", "-c", "%Hd:%Ld", file.toString())
          .redirectErrorStream(true).start();
      String dev = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      Path sys = Path.of("/sys/dev/block", dev);
      if (java.nio.file.Files.exists(sys.resolve("partition"))) {
        dev = java.nio.file.Files.readString(sys.toRealPath().getParent().resolve("dev")).trim();
      }
      return dev;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code dd} writing zeros to a file with {@code O_DIRECT} (so that each write reaches the
   * disk in the writer's own cgroup, on cgroup v1 too), in blocks of 64 KiB.
   *
   * @param file the file
   * @param blocks how many 64 KiB blocks
   * @return the process to start
   */
  public static ProcessBuilder directWrite(Path file, int blocks) {
    return new ProcessBuilder("dd", "if=/dev/zero", "of=" + file, "bs=64k", "count=" + blocks,
        "oflag=direct");
  }

  /**
   * 3 MiB written with {@code O_DIRECT} to a file in {@code dir} under {@code io_max wbps=1M},
   * the device given by the directory's path: ends well, {@code io_max} applied, and it took 2
   * s or more (about 3; unthrottled, milliseconds).
   *
   * @param jobId the job id
   * @param dir a directory on a block device
   * @return the report
   * @throws Exception when the start or the wait fails
   */
  public static io.ffrtmp.WorkloadReport threeMibAtOneMibPerSecond(String jobId, Path dir)
      throws Exception {
    long t0 = System.nanoTime();
    io.ffrtmp.WorkloadReport r = io.ffrtmp.Workload.run(directWrite(dir.resolve("a.bin"), 48))
        .withJobId(jobId).withIoMax(dir + " wbps=1M")
        .withTimeout(java.time.Duration.ofSeconds(120), java.time.Duration.ZERO).start()
        .awaitReport();
    double seconds = (System.nanoTime() - t0) / 1e9;
    org.junit.jupiter.api.Assertions.assertEquals(0, r.exitCode(), r.toJson());
    org.junit.jupiter.api.Assertions.assertEquals(io.ffrtmp.EnforcementStatus.APPLIED,
        r.enforcement().stream().filter(e -> e.constraint().key().equals("io_max")).findFirst()
            .orElseThrow().status(), r.toJson());
    org.junit.jupiter.api.Assertions.assertTrue(seconds >= 2.0,
        "3 MiB at 1 MiB/s took only " + seconds + " s: " + r.toJson());
    return r;
  }

  /**
   * Deletes a directory of files (no subdirectories), as an IO test leaves it.
   *
   * @param dir the directory
   * @throws java.io.IOException when a file cannot be deleted
   */
  public static void deleteFlat(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
      for (Path f : files.toList()) {
        java.nio.file.Files.delete(f);
      }
    }
    java.nio.file.Files.delete(dir);
  }

  public static final String FORK_STORM = "( i=0; while [ $i -lt 200 ]; do sleep 60 & i=$((i+1));"
      + " done ) 2>/dev/null; echo survived; exec sleep 60";

  private TestCgroups() {}

  /**
   * The cgroups named {@code ffrtmp-wrapper-<prefix>...} directly under any of {@code parents},
   * after giving deferred removals (busy cgroups retried in the background) 2 s.
   *
   * @param parents the directories to look in
   * @param prefix the test's job id prefix
   * @return what is left
   * @throws Exception if a directory cannot be listed, or interrupted
   */
  public static List<Path> leftovers(java.util.Collection<Path> parents, String prefix)
      throws Exception {
    List<Path> out = listLeftovers(parents, prefix);
    for (int i = 0; i < 200 && !out.isEmpty(); i++) {
      Thread.sleep(10);
      out = listLeftovers(parents, prefix);
    }
    return out;
  }

  private static List<Path> listLeftovers(java.util.Collection<Path> parents, String prefix)
      throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path parent : parents) {
      try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(parent)) {
        s.filter(d -> d.getFileName().toString().startsWith("ffrtmp-wrapper-" + prefix))
            .forEach(out::add);
      }
    }
    return out;
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
          if (System.nanoTime() > deadline || !CgroupFs.isBusy(e)) {
            warnings.add(
                "cgroup " + dir + " not removed (" + CgroupFs.reason(e) + "); a later start collects it"
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

}
