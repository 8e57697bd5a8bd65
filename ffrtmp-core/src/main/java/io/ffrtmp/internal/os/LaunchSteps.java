package io.ffrtmp.internal.os;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where a run-mode launch's time goes, step by step: with {@systemProperty ffrtmp.launchSteps}
 * {@code =true} each step's duration is kept (the last {@value #KEPT} of each) and the p50 and
 * p90 per step are printed to standard output when the JVM ends. For a benchmark that starts
 * one workload at a time and waits for its report ({@code Benchmarks launch}): a step is the
 * time since the previous step of any workload, so concurrent launches mix. Off by default;
 * off, each mark is one test of a constant.
 */
public final class LaunchSteps {
  private static final boolean ON = Boolean.getBoolean("ffrtmp.launchSteps");
  private static final int KEPT = 1000;

  /** The steps, in launch order; a mark ends the step of its index. */
  public enum Step {
    BEGIN("start() reached the lifecycle (the backend chosen); not printed"),
    PREPARE("prepare: cgroup created, limits written and read back"),
    RECORD("start record written"),
    SPAWN("shim spawned (posix_spawn returned: the shim has exec'd)"),
    PID("the workload's pid on the pipe (the shim joined, forked)"),
    EXEC("start record completed with the pids; the command's exec done (its end of the pid"
        + " pipe closed)"),
    STARTED("RUNNING fired, the exit watched, start() returns"),
    EXIT_SEEN("the workload ran and ended, the keeper recorded it and ended, reaped"),
    OBSERVE("exit record read, shim notes checked"),
    USAGE("usage, from the keeper's copy of the counters"),
    RELEASE("cgroup removed"),
    COMPLETE("report built, terminal event, the caller woken, records deleted");

    private final String what;

    Step(String what) {
      this.what = what;
    }

    /** What the step is, as printed. */
    String what() {
      return what;
    }
  }

  private static final long[][] KEPT_NANOS = new long[Step.values().length][KEPT];
  private static final int[] COUNT = new int[Step.values().length];
  private static long last;

  static {
    if (ON) {
      Runtime.getRuntime().addShutdownHook(new Thread(LaunchSteps::print, "ffrtmp-launch-steps"));
    }
  }

  private LaunchSteps() {}

  /**
   * Ends a step (BEGIN only takes the time).
   *
   * @param step the step that just ended
   */
  public static void mark(Step step) {
    if (ON) {
      record(step, System.nanoTime());
    }
  }

  private static synchronized void record(Step step, long now) {
    if (step != Step.BEGIN) {
      KEPT_NANOS[step.ordinal()][COUNT[step.ordinal()]++ % KEPT] = now - last;
    }
    last = now;
  }

  private static synchronized void print() {
    StringBuilder sb = new StringBuilder("[launch steps] p50 and p90 of each step's last "
        + KEPT + " (ffrtmp.launchSteps=true):");
    for (Step s : Step.values()) {
      int n = Math.min(COUNT[s.ordinal()], KEPT);
      if (n == 0) {
        continue;
      }
      long[] a = Arrays.copyOf(KEPT_NANOS[s.ordinal()], n);
      Arrays.sort(a);
      sb.append(String.format(Locale.ROOT, "%n  %8.3f ms %8.3f ms  %s", a[n / 2] / 1e6,
          a[n * 9 / 10] / 1e6, s.what));
    }
    System.out.println(sb);
  }
}
