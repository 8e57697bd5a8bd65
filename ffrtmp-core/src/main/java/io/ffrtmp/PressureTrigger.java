package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;

/**
 * A pressure threshold to be told of, as the kernel's PSI triggers take it: the workload's
 * tasks stalled on a resource for at least {@code stall} within a moving {@code window} (e.g.
 * {@code memory full 100 ms per 1 s} = "memory full avg over 1 s above 10 %"). The kernel
 * checks it as the stalls happen and wakes the watcher; nothing polls. At most one event per
 * window. cgroup v2 and systemd only ({@code <resource>.pressure} in the workload's cgroup).
 *
 * <pre>{@code
 * workload.onPressure(PressureTrigger.of(PressureTrigger.Resource.CPU,
 *     PressureTrigger.Kind.SOME, Duration.ofMillis(200), Duration.ofSeconds(2)),
 *     e -> workload.update(c -> c.cpuQuota(400)));
 * }</pre>
 *
 * @param resource what the tasks stalled on
 * @param kind {@code some} (at least one task stalled) or {@code full} (all stalled at once)
 * @param stall the stall time within the window that fires the trigger, more than 0 and at most
 *     the window, in whole microseconds
 * @param window the moving window, 500 ms to 10 s (the kernel's range; without {@code
 *     CAP_SYS_RESOURCE} a multiple of 2 s, on Linux 6.4 and later only), in whole microseconds
 */
public record PressureTrigger(Resource resource, Kind kind, Duration stall, Duration window) {
  /** The resources the kernel tracks pressure for. */
  public enum Resource {
    /** {@code cpu.pressure}. */
    CPU,
    /** {@code memory.pressure}. */
    MEMORY,
    /** {@code io.pressure}. */
    IO;

    /**
     * The name in the pressure file's name.
     *
     * @return {@code cpu}, {@code memory} or {@code io}
     */
    public String fileStem() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which stall the kernel counts. */
  public enum Kind {
    /** Some of the workload's tasks stalled. */
    SOME,
    /** All of its non-idle tasks stalled at once. */
    FULL
  }

  /** The shortest window the kernel accepts. */
  public static final Duration MIN_WINDOW = Duration.ofMillis(500);

  /** The longest window the kernel accepts. */
  public static final Duration MAX_WINDOW = Duration.ofSeconds(10);

  /**
   * Checks the values.
   *
   * @param resource what the tasks stalled on
   * @param kind some or full
   * @param stall the stall time that fires it, more than 0 and at most the window
   * @param window the moving window, 500 ms to 10 s
   * @throws IllegalArgumentException naming the value at fault and the range
   */
  public PressureTrigger {
    requireNonNull(resource, "resource");
    requireNonNull(kind, "kind");
    requireNonNull(stall, "stall");
    requireNonNull(window, "window");
    if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("window must be between 500 ms and 10 s, got " + window);
    }
    if (stall.isNegative() || stall.isZero() || stall.compareTo(window) > 0) {
      throw new IllegalArgumentException("stall must be more than 0 and at most the window ("
          + window + "), got " + stall);
    }
  }

  /**
   * A trigger.
   *
   * @param resource what the tasks stalled on
   * @param kind some or full
   * @param stall the stall time that fires it
   * @param window the moving window
   * @return the trigger
   */
  public static PressureTrigger of(Resource resource, Kind kind, Duration stall,
      Duration window) {
    return new PressureTrigger(resource, kind, stall, window);
  }

  /**
   * What is written to the pressure file: {@code <some|full> <stall µs> <window µs>}.
   *
   * @return e.g. {@code some 150000 1000000}
   */
  public String line() {
    return kind.name().toLowerCase(Locale.ROOT) + " " + micros(stall) + " " + micros(window);
  }

  private static long micros(Duration d) {
    return d.toNanos() / 1000;
  }

  /** As the trigger line names it, with the resource: {@code memory full 100000 1000000}. */
  @Override
  public String toString() {
    return resource.fileStem() + " " + line();
  }
}
