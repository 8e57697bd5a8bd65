package io.ffrtmp.internal;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.GovernanceBuilder;
import io.ffrtmp.Intent;
import io.ffrtmp.WorkloadListener;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The settings shared by run and attach mode, each checked when set.
 *
 * @param <B> the public builder type
 */
abstract class AbstractBuilder<B extends GovernanceBuilder<B>> implements GovernanceBuilder<B> {
  /** System property with the default parent cgroup. */
  static final String PARENT_PROPERTY = "ffrtmp.cgroup.parent";

  String jobId = "unknown";
  boolean slaEligible;
  Intent intent = Intent.PRODUCTION;
  private final Constraints.Builder constraints = Constraints.builder();
  boolean strict;
  @Nullable String strategy;
  private @Nullable String cgroupParent;
  final List<WorkloadListener> listeners = new ArrayList<>(1);

  abstract B self();

  @Override
  public B withJobId(String id) {
    requireNonNull(id, "jobId");
    this.jobId = id.isEmpty() ? "unknown" : id;
    return self();
  }

  @Override
  public B slaEligible(boolean eligible) {
    this.slaEligible = eligible;
    return self();
  }

  @Override
  public B withIntent(Intent value) {
    this.intent = requireNonNull(value, "intent");
    return self();
  }

  @Override
  public B withCpuQuota(int percent) {
    constraints.cpuQuota(percent);
    return self();
  }

  @Override
  public B withCpuWeight(int weight) {
    constraints.cpuWeight(weight);
    return self();
  }

  @Override
  public B withNice(int value) {
    constraints.nice(value);
    return self();
  }

  @Override
  public B withMemoryLimitMb(long mebibytes) {
    constraints.memoryLimitMb(mebibytes);
    return self();
  }

  @Override
  public B withIoWeight(int percent) {
    constraints.ioWeight(percent);
    return self();
  }

  @Override
  public B withOomScore(int score) {
    constraints.oomScore(score);
    return self();
  }

  @Override
  public B withConstraints(Constraints value) {
    requireNonNull(value, "constraints");
    for (Constraint c : Constraint.values()) {
      constraints.set(c, value.get(c));
    }
    return self();
  }

  @Override
  public B requireEnforcement() {
    this.strict = true;
    return self();
  }

  @Override
  public B withStrategy(String name) {
    requireNonNull(name, "strategy");
    if (name.isBlank()) {
      throw new IllegalArgumentException("strategy must not be blank");
    }
    this.strategy = name;
    return self();
  }

  @Override
  public B withCgroupParent(String parent) {
    requireNonNull(parent, "cgroupParent");
    if (!parent.startsWith("/") || parent.contains("\0")) {
      throw new IllegalArgumentException(
          "cgroupParent must be an absolute cgroup path such as /ffrtmp.slice, got '"
              + parent + "'");
    }
    this.cgroupParent = parent;
    return self();
  }

  @Override
  public B withListener(WorkloadListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
    return self();
  }

  Constraints constraints() {
    return constraints.build();
  }

  /** What every mode's workload gets from this builder. */
  WorkloadLifecycle.Common common() {
    return new WorkloadLifecycle.Common(jobId, slaEligible, intent, constraints(), strict,
        cgroupParent(), listeners);
  }

  @Nullable String cgroupParent() {
    return cgroupParent != null ? cgroupParent : System.getProperty(PARENT_PROPERTY);
  }
}
