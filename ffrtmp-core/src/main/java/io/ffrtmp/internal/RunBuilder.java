package io.ffrtmp.internal;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WorkloadBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The run-mode {@link WorkloadBuilder}. */
public final class RunBuilder extends AbstractBuilder<WorkloadBuilder> implements WorkloadBuilder {
  /** The grace period between SIGTERM and SIGKILL when none is given. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  private final ProcessBuilder template;
  private boolean killRemaining;
  private @Nullable Duration timeout;
  private Duration grace = DEFAULT_GRACE;
  private boolean outputToError;

  /**
   * Copies the caller's process description.
   *
   * @param source the caller's process builder
   */
  public RunBuilder(ProcessBuilder source) {
    for (int i = 0; i < source.command().size(); i++) {
      if (source.command().get(i) == null) {
        throw new NullPointerException("command[" + i + "] is null");
      }
    }
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
  WorkloadBuilder self() {
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
    if (value.compareTo(WorkloadLifecycle.MAX_DELAY) > 0) {
      throw new IllegalArgumentException("timeout must be at most " + WorkloadLifecycle.MAX_DELAY
          + " (what the timer can represent), got " + value);
    }
    WorkloadLifecycle.checkDelay("grace", gracePeriod);
    this.timeout = value;
    this.grace = gracePeriod;
    return this;
  }

  @Override
  public WorkloadBuilder mergeOutputIntoError() {
    this.outputToError = true;
    return this;
  }

  @Override
  public WorkloadBuilder killRemainingAtEnd() {
    this.killRemaining = true;
    return this;
  }

  @Override
  public GovernedWorkload start() throws IOException, EnforcementException {
    WorkloadLifecycle.Common common = common();
    Strategies.Selection selection = Strategies.selectFromRegistry(strategy);
    ProcessAttributes.Plan plan = ProcessAttributes.ofThisProcess()
        .plan(common.niceRequest(), common.oomRequest());
    return RunningWorkload.start(
        new RunningWorkload.Spec(common, template, timeout, grace, outputToError, agent,
            acknowledged, killRemaining),
        selection.chosen(),
        selection.warnings(),
        plan);
  }
}
