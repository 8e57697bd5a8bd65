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
  private int captureOut;
  private int captureErr;
  /** A warning about an inherited pipe is logged once per JVM and stream. */
  private static final java.util.concurrent.atomic.AtomicBoolean[] PIPE_WARNED = {
      new java.util.concurrent.atomic.AtomicBoolean(),
      new java.util.concurrent.atomic.AtomicBoolean()};
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunBuilder.class);

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
  public WorkloadBuilder withStdout(io.ffrtmp.Output output) {
    requireNonNull(output, "output");
    template.redirectOutput(output.redirect());
    captureOut = output.maxBytes();
    return this;
  }

  @Override
  public WorkloadBuilder withStderr(io.ffrtmp.Output output) {
    requireNonNull(output, "output");
    template.redirectError(output.redirect());
    template.redirectErrorStream(false);
    captureErr = output.maxBytes();
    return this;
  }

  /**
   * The hazard of an inherited pipe, said once per JVM and stream: when this JVM's standard
   * output or error is a pipe (an agent started through one by a parent process), a workload
   * that inherits it dies of SIGPIPE at its next write once the pipe's reader is gone.
   */
  private void warnOfInheritedPipes() {
    boolean[] inherits = {template.redirectOutput() == ProcessBuilder.Redirect.INHERIT
        && !outputToError, template.redirectError() == ProcessBuilder.Redirect.INHERIT
        || outputToError && template.redirectOutput() == ProcessBuilder.Redirect.INHERIT};
    String[] names = {"output", "error"};
    for (int fd = 1; fd <= 2; fd++) {
      if (!inherits[fd - 1] || PIPE_WARNED[fd - 1].get()) {
        continue;
      }
      String target;
      try {
        target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/"
            + fd)).toString();
      } catch (IOException | RuntimeException e) {
        continue;
      }
      if (target.startsWith("pipe:") && PIPE_WARNED[fd - 1].compareAndSet(false, true)) {
        LOG.warn("workloads inherit this JVM's standard {}, a pipe: once its reader is gone"
            + " (with this JVM), a workload dies of SIGPIPE at its next write to it; give"
            + " withStd{}(Output.toFile(...)) for output that must outlive this JVM", names[fd - 1],
            fd == 1 ? "out" : "err");
      }
    }
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
    warnOfInheritedPipes();
    return RunningWorkload.start(
        new RunningWorkload.Spec(common, template, timeout, grace, outputToError, agent,
            acknowledged, killRemaining, captureOut, captureErr),
        selection.chosen(),
        selection.warnings(),
        plan);
  }
}
