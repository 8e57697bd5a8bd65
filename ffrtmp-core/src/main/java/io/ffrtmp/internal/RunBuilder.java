package io.ffrtmp.internal;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.Constraints;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Intent;
import io.ffrtmp.WorkloadBuilder;
import io.ffrtmp.WorkloadListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The run-mode {@link WorkloadBuilder}. */
public final class RunBuilder implements WorkloadBuilder {
  /** System property with the default parent cgroup. */
  public static final String PARENT_PROPERTY = "ffrtmp.cgroup.parent";

  /** The grace period between SIGTERM and SIGKILL when none is given. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  private final ProcessBuilder template;
  private String jobId = "unknown";
  private boolean slaEligible;
  private Intent intent = Intent.PRODUCTION;
  private int cpuQuota;
  private int cpuWeight = Constraints.CPU_WEIGHT_DEFAULT;
  private int nice;
  private long memoryLimitMb;
  private int ioWeight;
  private int oomScore;
  private @Nullable Duration timeout;
  private Duration grace = DEFAULT_GRACE;
  private boolean strict;
  private @Nullable String strategy;
  private @Nullable String cgroupParent;
  private final List<WorkloadListener> listeners = new ArrayList<>(1);

  /**
   * Copies the caller's process description.
   *
   * @param source the caller's process builder
   */
  public RunBuilder(ProcessBuilder source) {
    List<String> command = List.copyOf(source.command());
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    if (command.get(0).isEmpty()) {
      throw new IllegalArgumentException("command[0] (the program) must not be empty");
    }
    ProcessBuilder copy = new ProcessBuilder(command);
    copy.directory(source.directory());
    copy.redirectInput(source.redirectInput());
    copy.redirectOutput(source.redirectOutput());
    copy.redirectError(source.redirectError());
    copy.redirectErrorStream(source.redirectErrorStream());
    copy.environment().clear();
    copy.environment().putAll(source.environment());
    this.template = copy;
  }

  @Override
  public WorkloadBuilder withJobId(String id) {
    requireNonNull(id, "jobId");
    this.jobId = id.isEmpty() ? "unknown" : id;
    return this;
  }

  @Override
  public WorkloadBuilder slaEligible(boolean eligible) {
    this.slaEligible = eligible;
    return this;
  }

  @Override
  public WorkloadBuilder withIntent(Intent value) {
    this.intent = requireNonNull(value, "intent");
    return this;
  }

  @Override
  public WorkloadBuilder withCpuQuota(int percent) {
    this.cpuQuota = Constraints.checkCpuQuota(percent);
    return this;
  }

  @Override
  public WorkloadBuilder withCpuWeight(int weight) {
    this.cpuWeight = Constraints.checkCpuWeight(weight);
    return this;
  }

  @Override
  public WorkloadBuilder withNice(int value) {
    this.nice = Constraints.checkNice(value);
    return this;
  }

  @Override
  public WorkloadBuilder withMemoryLimitMb(long mebibytes) {
    this.memoryLimitMb = Constraints.checkMemoryLimitMb(mebibytes);
    return this;
  }

  @Override
  public WorkloadBuilder withIoWeight(int percent) {
    this.ioWeight = Constraints.checkIoWeight(percent);
    return this;
  }

  @Override
  public WorkloadBuilder withOomScore(int score) {
    this.oomScore = Constraints.checkOomScore(score);
    return this;
  }

  @Override
  public WorkloadBuilder withTimeout(Duration value) {
    return withTimeout(value, DEFAULT_GRACE);
  }

  @Override
  public WorkloadBuilder withTimeout(Duration value, Duration gracePeriod) {
    requireNonNull(value, "timeout");
    requireNonNull(gracePeriod, "grace");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + value);
    }
    if (gracePeriod.isNegative()) {
      throw new IllegalArgumentException("grace must be zero or positive, got " + gracePeriod);
    }
    this.timeout = value;
    this.grace = gracePeriod;
    return this;
  }

  @Override
  public WorkloadBuilder requireEnforcement() {
    this.strict = true;
    return this;
  }

  @Override
  public WorkloadBuilder withStrategy(String name) {
    requireNonNull(name, "strategy");
    if (name.isBlank()) {
      throw new IllegalArgumentException("strategy must not be blank");
    }
    this.strategy = name;
    return this;
  }

  @Override
  public WorkloadBuilder withCgroupParent(String parent) {
    requireNonNull(parent, "cgroupParent");
    if (!parent.startsWith("/") || parent.contains("\0")) {
      throw new IllegalArgumentException(
          "cgroupParent must be an absolute cgroup path such as /ffrtmp.slice, got '"
              + parent + "'");
    }
    this.cgroupParent = parent;
    return this;
  }

  @Override
  public WorkloadBuilder withListener(WorkloadListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
    return this;
  }

  @Override
  public GovernedWorkload start() throws IOException {
    Constraints constraints =
        new Constraints(cpuQuota, cpuWeight, nice, memoryLimitMb, ioWeight, oomScore);
    Strategies.Selection selection = Strategies.selectFromRegistry(strategy);
    ProcessAttributes.Plan plan =
        ProcessAttributes.ofThisProcess().plan(constraints.nice(), constraints.oomScore());
    if (strict && !plan.unenforced().isEmpty()) {
      throw new EnforcementException(selection.chosen().name(), plan.unenforced());
    }
    String parent = cgroupParent != null ? cgroupParent : System.getProperty(PARENT_PROPERTY);
    return RunningWorkload.start(
        new RunningWorkload.Spec(
            template,
            jobId,
            slaEligible,
            intent,
            constraints,
            timeout,
            grace,
            strict,
            parent,
            List.copyOf(listeners)),
        selection.chosen(),
        selection.warnings(),
        plan);
  }
}
