package io.ffrtmp;

import org.jspecify.annotations.Nullable;

/**
 * Pressure stall information of a workload's cgroup (cgroup v2 and systemd: {@code
 * cpu.pressure}, {@code memory.pressure}, {@code io.pressure}): the share of wall time in which
 * some (or all, {@code full}) of its tasks stalled waiting for the resource. An agent tells a
 * starving job from a slow one with it. Each line is null where the kernel does not provide it
 * (a kernel without PSI, {@code psi=0}, or {@code cpu.pressure}'s {@code full} before 5.13).
 *
 * @param cpuSome some tasks waited for a CPU
 * @param cpuFull all tasks waited for a CPU at once
 * @param memorySome some tasks waited for memory (reclaim, swap-in, refaults)
 * @param memoryFull all tasks waited for memory at once: the workload made no progress
 * @param ioSome some tasks waited for IO
 * @param ioFull all tasks waited for IO at once
 */
public record Pressure(@Nullable Stall cpuSome, @Nullable Stall cpuFull,
    @Nullable Stall memorySome, @Nullable Stall memoryFull, @Nullable Stall ioSome,
    @Nullable Stall ioFull) {

  /**
   * One line of a pressure file: {@code some avg10=0.12 avg60=0.05 avg300=0.01 total=12345}.
   *
   * @param avg10 percent of the last 10 seconds
   * @param avg60 percent of the last 60 seconds
   * @param avg300 percent of the last 300 seconds
   * @param totalUsec the stall time since the cgroup was created, microseconds
   */
  public record Stall(double avg10, double avg60, double avg300, long totalUsec) {}

  /**
   * Parses a pressure file's line of one kind.
   *
   * @param text the file's content
   * @param kind {@code some} or {@code full}
   * @return the line, or null when the file has none (or cannot be read)
   */
  public static @Nullable Stall parse(@Nullable String text, String kind) {
    if (text == null) {
      return null;
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 5 || !f[0].equals(kind)) {
        continue;
      }
      try {
        return new Stall(value(f[1], "avg10="), value(f[2], "avg60="), value(f[3], "avg300="),
            Long.parseLong(f[4].substring(f[4].indexOf('=') + 1)));
      } catch (RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  private static double value(String field, String key) {
    if (!field.startsWith(key)) {
      throw new IllegalArgumentException(field);
    }
    return Double.parseDouble(field.substring(key.length()));
  }
}
