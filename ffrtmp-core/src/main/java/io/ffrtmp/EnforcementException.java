package io.ffrtmp;

import java.util.List;
import java.util.stream.Collectors;

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

  /** What could not be enforced. */
  private final transient List<Enforcement> unenforced;

  /**
   * Creates the exception.
   *
   * @param strategy the selected backend
   * @param unenforced the constraints that could not be enforced, with the reasons
   */
  public EnforcementException(String strategy, List<Enforcement> unenforced) {
    super(
        "strict mode: not started, "
            + strategy
            + " cannot enforce "
            + unenforced.stream()
                .map(e -> e.constraint() + " (" + e.detail() + ")")
                .collect(Collectors.joining(", ")));
    this.unenforced = List.copyOf(unenforced);
  }

  /**
   * The constraints that could not be enforced.
   *
   * @return each with its status and reason
   */
  public List<Enforcement> unenforced() {
    return unenforced;
  }
}
