package io.ffrtmp.internal;

import static java.util.Objects.requireNonNull;

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
  private int cpuQuota;
  private int cpuWeight = Constraints.CPU_WEIGHT_DEFAULT;
  private int nice;
  private long memoryLimitMb;
  private int ioWeight;
  private int oomScore;
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
    this.cpuQuota = Constraints.checkCpuQuota(percent);
    return self();
  }

  @Override
  public B withCpuWeight(int weight) {
    this.cpuWeight = Constraints.checkCpuWeight(weight);
    return self();
  }

  @Override
  public B withNice(int value) {
    this.nice = Constraints.checkNice(value);
    return self();
  }

  @Override
  public B withMemoryLimitMb(long mebibytes) {
    this.memoryLimitMb = Constraints.checkMemoryLimitMb(mebibytes);
    return self();
  }

  @Override
  public B withIoWeight(int percent) {
    this.ioWeight = Constraints.checkIoWeight(percent);
    return self();
  }

  @Override
  public B withOomScore(int score) {
    this.oomScore = Constraints.checkOomScore(score);
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
    return new Constraints(cpuQuota, cpuWeight, nice, memoryLimitMb, ioWeight, oomScore);
  }

  @Nullable String cgroupParent() {
    return cgroupParent != null ? cgroupParent : System.getProperty(PARENT_PROPERTY);
  }
}
