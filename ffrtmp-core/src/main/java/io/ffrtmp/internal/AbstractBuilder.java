package io.ffrtmp.internal;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.GovernanceBuilder;
import io.ffrtmp.Intent;
import io.ffrtmp.WorkloadListener;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
  /** The process attributes set explicitly: only these are applied. */
  private final Set<Constraint> requested = EnumSet.noneOf(Constraint.class);
  boolean strict;
  @Nullable String strategy;
  private @Nullable String cgroupParent;
  final List<WorkloadListener> listeners = new ArrayList<>(1);
  /** The agent whose records the workload joins, or null for the default ones. */
  @Nullable String agent;
  /** Whether its records stay after delivery until {@code acknowledge()}. */
  boolean acknowledged;

  abstract B self();

  @Override
  public B withAgent(String name) {
    requireNonNull(name, "agent");
    this.agent = io.ffrtmp.internal.keeper.StateDir.checkAgent(name);
    return self();
  }

  @Override
  public B withAcknowledgement() {
    this.acknowledged = true;
    return self();
  }

  @Override
  public B withJobId(String id) {
    requireNonNull(id, "jobId");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("jobId must not be empty: any other text is taken as"
          + " given (the cgroup's name is made safe from it); leave it out for \"unknown\"");
    }
    this.jobId = id;
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
    requested.add(Constraint.NICE);
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
    requested.add(Constraint.OOM_SCORE);
    return self();
  }

  @Override
  public B withMemoryHighMb(long mebibytes) {
    constraints.memoryHighMb(mebibytes);
    return self();
  }

  @Override
  public B withSwapMaxMb(long mebibytes) {
    constraints.swapMaxMb(mebibytes);
    return self();
  }

  @Override
  public B withPidsMax(int count) {
    constraints.pidsMax(count);
    return self();
  }

  @Override
  public B withCpus(String list) {
    constraints.cpus(list);
    return self();
  }

  @Override
  public B withMemoryNodes(String list) {
    constraints.memoryNodes(list);
    return self();
  }

  @Override
  public B withIoMax(String limits) {
    constraints.ioMax(limits);
    return self();
  }

  @Override
  public B withConstraints(Constraints value) {
    requireNonNull(value, "constraints");
    for (Constraint c : Constraint.values()) {
      constraints.setText(c, value.text(c));
      if (!c.isCgroupConstraint()) {
        // a template's default nice or OOM score means "leave it as inherited"
        if (value.isRequested(c)) {
          requested.add(c);
        } else {
          requested.remove(c);
        }
      }
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
    List<String> known = Strategies.registry().stream().map(p -> p.strategy().name()).toList();
    if (!known.contains(name)) {
      throw new IllegalArgumentException("strategy must be one of " + String.join(", ", known)
          + ", got '" + name + "'");
    }
    this.strategy = name;
    return self();
  }

  @Override
  public B withCgroupParent(String parent) {
    this.cgroupParent = checkCgroupParent("cgroupParent", parent);
    return self();
  }

  /**
   * Checks a parent cgroup path like a job id: absolute, segments neither empty nor {@code .}
   * nor {@code ..}, no NUL, each at most 255 bytes — so it cannot resolve outside the hierarchy.
   *
   * @param name the parameter's name, for the message
   * @param parent the path
   * @return the path
   * @throws IllegalArgumentException naming the parameter, the value and the rule
   */
  static String checkCgroupParent(String name, String parent) {
    requireNonNull(parent, name);
    String problem = null;
    if (!parent.startsWith("/")) {
      problem = "must be an absolute cgroup path such as /ffrtmp.slice";
    } else if (parent.indexOf('\0') >= 0) {
      problem = "must not contain NUL";
    } else if (!parent.equals("/")) {
      for (String seg : parent.substring(1).split("/", -1)) {
        if (seg.isEmpty()) {
          problem = "must not have empty segments (// or a trailing /)";
        } else if (seg.equals(".") || seg.equals("..")) {
          problem = "must not have . or .. segments";
        } else if (seg.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
          problem = "must not have a segment longer than 255 bytes";
        }
        if (problem != null) {
          break;
        }
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException(name + " " + problem + ", got '" + parent + "'");
    }
    return parent;
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
        cgroupParent(), listeners, requested);
  }

  @Nullable String cgroupParent() {
    if (cgroupParent != null) {
      return cgroupParent;
    }
    String p = System.getProperty(PARENT_PROPERTY);
    return p == null || p.isEmpty() ? null : checkCgroupParent("-D" + PARENT_PROPERTY, p);
  }
}
