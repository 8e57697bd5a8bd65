package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The backend of last resort ({@code nice-fallback}): no cgroup. Nice and oom_score_adj, which
 * the core applies under every backend, are all it has; CPU quota, CPU weight, memory limit and
 * IO weight are recorded as {@code degraded} when requested.
 */
public final class NiceFallbackStrategy implements GovernanceStrategy {
  /** The backend's name. */
  public static final String NAME = "nice-fallback";

  /** Creates the backend; does nothing else. */
  public NiceFallbackStrategy() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public Availability probe() {
    return Availability.usable("always available: nice and oom_score_adj only, no cgroup");
  }

  /** Said when a cgroup constraint is asked for and no cgroup backend is installed at all. */
  static final String MODULE_MISSING = "No cgroup backend on the class or module path: add"
      + " io.ffrtmp:ffrtmp-cgroups (the systemd, cgroup-v2 and cgroup-v1 backends)";

  /**
   * Records every requested cgroup constraint {@code degraded} (strict mode is the core's: it
   * refuses such a start).
   */
  @Override
  public Governance prepare(GovernanceRequest request) {
    Constraints c = request.constraints();
    List<Enforcement> out = new ArrayList<>(4);
    List<String> warnings = new ArrayList<>();
    for (Constraint k : Constraint.values()) {
      if (!k.isCgroupConstraint()) {
        continue;
      }
      if (c.isRequested(k)) {
        out.add(new Enforcement(k, EnforcementStatus.DEGRADED, "cgroup",
            "no cgroup backend in use"));
        warnings.add("Cannot enforce " + k.key() + " without cgroups, continuing without it");
      } else {
        out.add(new Enforcement(k, EnforcementStatus.SKIPPED, "none", k.defaultMeaning()));
      }
    }
    if (!warnings.isEmpty() && Strategies.registry().stream()
        .allMatch(p -> p.strategy().name().equals(NAME))) {
      // not a host without cgroups: an application without the backends
      warnings.add(MODULE_MISSING);
    }
    return new NoCgroup(out, warnings);
  }

  /** Nothing to restore: no cgroup; the recovered workload's usage is unknown. */
  @Override
  public Governance restore(java.util.Map<String, String> state,
      java.util.Map<String, String> finalCounters) {
    return new NoCgroup(List.of(), List.of());
  }

  private record NoCgroup(List<Enforcement> enforcement, List<String> warnings)
      implements Governance {
    @Override
    public @Nullable String cgroupPath() {
      return null;
    }

    @Override
    public List<Path> joinFiles() {
      return List.of();
    }

    @Override
    public void adopt(long pid) {
      // no cgroup to move into
    }

    @Override
    public void moveBack(long pid, String originalCgroups) {
      // never moved
    }

    @Override
    public void signalAll(int signal, long spared) {
      // no cgroup: the core signals the process group
    }

    @Override
    public Usage usage() {
      return Usage.UNKNOWN;
    }

    @Override
    public List<String> release() {
      return List.of();
    }
  }
}
