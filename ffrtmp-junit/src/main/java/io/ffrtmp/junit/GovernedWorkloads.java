package io.ffrtmp.junit;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.Constraints;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadBuilder;
import io.ffrtmp.WorkloadReport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Starts the processes of one test under its {@link Governed} constraints, in strict mode, and
 * keeps them for the extension to kill and report when the test ends. Given to a test method
 * (or a {@code @BeforeEach} method) as a parameter; one per test.
 */
public final class GovernedWorkloads {
  /** How long the end of a test waits for a killed workload's report. */
  static final Duration REPORT_WAIT = Duration.ofSeconds(30);

  private final Constraints constraints;
  private final Governed.Unenforceable unenforceable;
  private final String jobPrefix;
  private final List<GovernedWorkload> started = new ArrayList<>();

  GovernedWorkloads(Constraints constraints, Governed.Unenforceable unenforceable,
      String jobPrefix) {
    this.constraints = constraints;
    this.unenforceable = unenforceable;
    this.jobPrefix = jobPrefix;
  }

  /**
   * Starts a command under the test's constraints; it inherits the test JVM's standard streams
   * (use {@link #run(ProcessBuilder)} for pipes).
   *
   * @param command the program and its arguments
   * @return the running workload
   * @throws IOException when it cannot be started
   * @throws TestAbortedException where the constraints cannot be enforced (the test is skipped
   *     with the backend's reason), unless {@link Governed.Unenforceable#FAIL}
   */
  public GovernedWorkload run(String... command) throws IOException {
    requireNonNull(command, "command");
    return start(Workload.run(command).withConstraints(constraints));
  }

  /**
   * Starts a process description under the test's constraints (its redirects are kept: the
   * default pipes are the test's to read — a pipe nobody reads can block the process).
   *
   * @param process the process
   * @return the running workload
   * @throws IOException when it cannot be started
   * @throws TestAbortedException where the constraints cannot be enforced
   */
  public GovernedWorkload run(ProcessBuilder process) throws IOException {
    return run(process, b -> b);
  }

  /**
   * Starts a process description under the test's constraints, with more settings (a
   * timeout, a listener, a stricter limit for this one).
   *
   * @param process the process
   * @param more changes to the builder, after the test's constraints are set
   * @return the running workload
   * @throws IOException when it cannot be started
   * @throws TestAbortedException where the constraints cannot be enforced
   */
  public GovernedWorkload run(ProcessBuilder process, UnaryOperator<WorkloadBuilder> more)
      throws IOException {
    requireNonNull(more, "more");
    return start(more.apply(Workload.run(requireNonNull(process, "process"))
        .withConstraints(constraints)));
  }

  private GovernedWorkload start(WorkloadBuilder builder) throws IOException {
    String jobId;
    synchronized (started) {
      jobId = jobPrefix + "-" + (started.size() + 1);
    }
    builder.withJobId(jobId).requireEnforcement().killRemainingAtEnd();
    GovernedWorkload w;
    try {
      w = builder.start();
    } catch (EnforcementException e) {
      String why = "ffrtmp cannot enforce the test's constraints here: " + e.getMessage()
          + " (backends: " + backends() + ")";
      if (unenforceable == Governed.Unenforceable.FAIL) {
        throw new AssertionFailedError(why, e);
      }
      throw new TestAbortedException(why, e);
    }
    synchronized (started) {
      started.add(w);
    }
    return w;
  }

  /** Each backend and why it is not usable here, for the reason of a skip. */
  private static String backends() {
    StringBuilder b = new StringBuilder();
    for (io.ffrtmp.Backend backend : Workload.backends()) {
      b.append(b.length() == 0 ? "" : "; ").append(backend.name())
          .append(backend.usable() ? " usable" : ": " + backend.reason());
    }
    return b.toString();
  }

  /**
   * The test's constraints.
   *
   * @return the constraints each start uses
   */
  public Constraints constraints() {
    return constraints;
  }

  /**
   * The workloads this test started, in order.
   *
   * @return a copy
   */
  public List<GovernedWorkload> started() {
    synchronized (started) {
      return List.copyOf(started);
    }
  }

  /**
   * At the test's end: kills each workload still running (with everything in its cgroup), and
   * waits for every report.
   *
   * @return the reports, in start order
   * @throws AssertionFailedError naming the workloads whose report did not come
   */
  List<WorkloadReport> endAll() {
    List<GovernedWorkload> all = started();
    for (GovernedWorkload w : all) {
      if (!w.onExit().isDone()) {
        w.terminate(Duration.ZERO);
      }
    }
    List<WorkloadReport> reports = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    long deadline = System.nanoTime() + REPORT_WAIT.toNanos();
    for (GovernedWorkload w : all) {
      try {
        reports.add(w.onExit().get(Math.max(0, deadline - System.nanoTime()),
            TimeUnit.NANOSECONDS));
      } catch (TimeoutException e) {
        missing.add(w.jobId() + " (pid " + w.pid() + ")");
      } catch (ExecutionException e) {
        missing.add(w.jobId() + " (" + e.getCause() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        missing.add(w.jobId() + " (interrupted)");
      }
    }
    if (!missing.isEmpty()) {
      throw new AssertionFailedError("ffrtmp: no report within " + REPORT_WAIT.toSeconds()
          + " s of the test's end for " + missing);
    }
    return reports;
  }
}
