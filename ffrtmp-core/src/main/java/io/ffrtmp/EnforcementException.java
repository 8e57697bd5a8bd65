package io.ffrtmp;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link WorkloadBuilder#start()} in strict mode ({@link
 * WorkloadBuilder#requireEnforcement()}) when a requested constraint cannot be enforced. The
 * workload was not started and nothing was left behind.
 *
 * <p>A policy decision, not a failure of the host: it is deliberately not an {@link
 * java.io.IOException}, so that a caller retrying I/O errors does not retry it (the same start
 * on the same host is refused again), and the compiler makes callers of {@code start()} decide
 * what a refusal means for them.
 */
public final class EnforcementException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The backend that could not enforce them. */
  private final String strategy;

  /** What could not be enforced. */
  private final transient List<Enforcement> unenforced;

  /** The report of the refused start, where the library made one. */
  private final transient @Nullable WorkloadReport report;

  /**
   * Creates the exception.
   *
   * @param strategy the selected backend
   * @param unenforced the constraints that could not be enforced, with the reasons
   */
  public EnforcementException(String strategy, List<Enforcement> unenforced) {
    this(strategy, unenforced, null);
  }

  /**
   * Creates the exception with the report of the refused start.
   *
   * @param strategy the selected backend
   * @param unenforced the constraints that could not be enforced, with the reasons
   * @param report the report of the start that was refused, or null
   */
  public EnforcementException(String strategy, List<Enforcement> unenforced,
      @Nullable WorkloadReport report) {
    super(
        "strict mode: not started, "
            + strategy
            + " cannot enforce "
            + unenforced.stream()
                .map(e -> e.constraint() + " (" + e.detail() + ")")
                .collect(Collectors.joining(", ")));
    this.strategy = strategy;
    this.unenforced = List.copyOf(unenforced);
    this.report = report;
  }

  /**
   * The exception of an update that strict mode refused ({@link GovernedWorkload#update}):
   * every change was put back.
   *
   * @param strategy the backend
   * @param unenforced the changes not in force, with the reasons
   * @return the exception
   */
  public static EnforcementException updateRefused(String strategy,
      List<Enforcement> unenforced) {
    return new EnforcementException("strict mode: not updated, " + strategy
        + " cannot enforce " + describe(unenforced) + "; the previous limits hold", strategy,
        unenforced);
  }

  private EnforcementException(String message, String strategy, List<Enforcement> unenforced) {
    super(message);
    this.strategy = strategy;
    this.unenforced = List.copyOf(unenforced);
    this.report = null;
  }

  private static String describe(List<Enforcement> unenforced) {
    return unenforced.stream().map(e -> e.constraint() + " (" + e.detail() + ")")
        .collect(Collectors.joining(", "));
  }

  /**
   * The backend that could not enforce the constraints.
   *
   * @return its name, e.g. {@code cgroup-v1}
   */
  public String strategy() {
    return strategy;
  }

  /**
   * The constraints that could not be enforced.
   *
   * @return each with its status and reason
   */
  public List<Enforcement> unenforced() {
    return unenforced;
  }

  /**
   * The report of the refused start, as a script reading reports expects one for every start:
   * {@code pid} 0 (nothing ran; in attach mode the process's, which runs on ungoverned), {@code
   * exit_code} 125 and {@code exit_reason} {@code error} (what a refusal after the launch, by the
   * launch keeper, reports too), the refused constraints in {@code enforcement}, the refusal in
   * {@code warnings}, and not SLA-compliant. {@link WorkloadBuilder#start()} always sets it;
   * empty only for an exception made elsewhere without one.
   *
   * @return the report, if any
   */
  public Optional<WorkloadReport> report() {
    return Optional.ofNullable(report);
  }
}
