package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend's preparation, with the strict rule and the degradation rule. Strict mode is
 * enforced here, once for every backend: a prepared governance with an entry not in force is
 * released and {@link EnforcementException} thrown. Degradation: when a cgroup backend cannot set up the
 * workload's cgroup at all, the workload runs without one (nice and OOM score only), every
 * requested cgroup constraint {@code degraded} with the reason and a warning logged; in strict
 * mode it is not started and the caller gets {@link EnforcementException}.
 *
 * @param governance the prepared governance
 * @param strategy the name of the backend that actually governs
 * @param warnings warnings of the preparation
 */
record Preparation(Governance governance, String strategy, List<String> warnings) {

  static Preparation prepare(GovernanceStrategy strategy, GovernanceRequest request)
      throws IOException, EnforcementException {
    Preparation p = prepareOrDegrade(strategy, request);
    List<Enforcement> unenforced =
        p.governance().enforcement().stream().filter(e -> !e.enforced()).toList();
    if (request.strict() && !unenforced.isEmpty()) {
      p.governance().release();
      throw new EnforcementException(strategy.name(), unenforced);
    }
    return p;
  }

  private static Preparation prepareOrDegrade(GovernanceStrategy strategy,
      GovernanceRequest request) throws IOException, EnforcementException {
    try {
      Governance g = strategy.prepare(request);
      return new Preparation(g, strategy.name(), g.warnings());
    } catch (IOException | RuntimeException e) {
      if (strategy instanceof NiceFallbackStrategy) {
        throw e;
      }
      String reason = reason(e, request);
      List<Enforcement> lost = cgroupConstraints(request.constraints(),
          "cannot create cgroup: " + reason);
      // strict mode refuses what a requested constraint would lose; without one, nothing is
      if (request.strict() && !lost.isEmpty()) {
        throw new EnforcementException(strategy.name(), lost);
      }
      List<String> warnings = new ArrayList<>();
      warnings.add(e instanceof AccessDeniedException
          ? Strategies.Selection.PERMISSION_WARNING
          : "Cannot create cgroup (" + reason + "), continuing without it");
      Governance g = new NiceFallbackStrategy().prepare(
          new GovernanceRequest(request.jobId(), request.constraints(), false, null));
      warnings.addAll(g.warnings());
      return new Preparation(g, NiceFallbackStrategy.NAME, warnings);
    }
  }

  /**
   * Why the cgroup could not be made, in words: the file and the error (a {@code
   * NoSuchFileException} carries only the path), and where a configured parent is missing, that
   * it must exist.
   */
  private static String reason(Exception e, GovernanceRequest request) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException f) {
      String parent = request.cgroupParent();
      return f.getFile() + ": no such file or directory" + (parent == null ? ""
          : " (the cgroup parent " + parent + " must exist: create it, or give another)");
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    return String.valueOf(e.getMessage());
  }

  private static List<Enforcement> cgroupConstraints(Constraints c, String why) {
    List<Enforcement> out = new ArrayList<>();
    for (Constraint k : c.requestedCgroupConstraints()) {
      out.add(new Enforcement(k, EnforcementStatus.FAILED, "cgroup", why));
    }
    return out;
  }
}
