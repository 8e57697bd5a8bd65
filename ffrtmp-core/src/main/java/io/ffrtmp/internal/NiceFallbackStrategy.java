package io.ffrtmp.internal;

import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
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

  @Override
  public Governance prepare(GovernanceRequest request) throws EnforcementException {
    Constraints c = request.constraints();
    String why = "no cgroup backend in use";
    List<Enforcement> out = new ArrayList<>(4);
    out.add(
        c.hasCpuQuota()
            ? degraded("cpu_quota", "cpu.max/cpu.cfs_quota_us", why)
            : skipped("cpu_quota", "unlimited"));
    out.add(
        c.cpuWeight() != Constraints.CPU_WEIGHT_DEFAULT
            ? degraded("cpu_weight", "cpu.weight/cpu.shares", why)
            : skipped("cpu_weight", "default weight 100"));
    out.add(
        c.hasMemoryLimit()
            ? degraded("memory_limit_mb", "memory.max/memory.limit_in_bytes", why)
            : skipped("memory_limit_mb", "unlimited"));
    out.add(
        c.hasIoWeight()
            ? degraded("io_weight", "io.weight/blkio.weight", why)
            : skipped("io_weight", "unset"));
    List<Enforcement> unenforced =
        out.stream().filter(e -> e.status() == EnforcementStatus.DEGRADED).toList();
    if (request.strict() && !unenforced.isEmpty()) {
      throw new EnforcementException(NAME, unenforced);
    }
    List<String> warnings = new ArrayList<>();
    for (Enforcement e : unenforced) {
      warnings.add("Cannot enforce " + e.constraint() + " without cgroups, continuing without it");
    }
    return new NoCgroup(out, warnings);
  }

  static Enforcement degraded(String constraint, String mechanism, String why) {
    return new Enforcement(constraint, EnforcementStatus.DEGRADED, mechanism, why);
  }

  static Enforcement skipped(String constraint, String why) {
    return new Enforcement(constraint, EnforcementStatus.SKIPPED, "none", why);
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
    public void signalAll(int signal) {
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
