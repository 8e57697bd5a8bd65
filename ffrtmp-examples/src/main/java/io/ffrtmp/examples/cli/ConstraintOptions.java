package io.ffrtmp.examples.cli;

import io.ffrtmp.Constraint;
import io.ffrtmp.GovernanceBuilder;
import io.ffrtmp.Intent;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The flags shared by {@code run} and {@code attach}, as in the operator guide's Flag
 * Reference. Ranges are not repeated here: each value goes to the library's builder, whose
 * message (naming the value and the range) becomes the usage error.
 */
final class ConstraintOptions {
  /** The flag of each constraint (checked against the model and the options by a test). */
  static final Map<Constraint, String> FLAGS = new EnumMap<>(Map.of(
      Constraint.CPU_QUOTA, "--cpu-quota",
      Constraint.CPU_WEIGHT, "--cpu-weight",
      Constraint.NICE, "--nice",
      Constraint.MEMORY_LIMIT_MB, "--memory-limit",
      Constraint.IO_WEIGHT, "--io-weight",
      Constraint.OOM_SCORE, "--oom-score"));

  @Option(names = "--job-id", paramLabel = "ID", defaultValue = "unknown",
      description = "Job identifier (default: ${DEFAULT-VALUE}).")
  String jobId = "unknown";

  @Option(names = "--sla-eligible", description = "Mark as SLA-worthy (default: false).")
  boolean slaEligible;

  @Option(names = "--intent", paramLabel = "INTENT", defaultValue = "production",
      description = "production|test|experiment|soak (default: ${DEFAULT-VALUE}).")
  String intent = "production";

  @Option(names = "--cpu-quota", paramLabel = "PERCENT", defaultValue = "0",
      description = "CPU %% (100 = 1 core, 0 = unlimited; default: ${DEFAULT-VALUE}).")
  int cpuQuota;

  @Option(names = "--cpu-weight", paramLabel = "WEIGHT", defaultValue = "100",
      description = "CPU weight (1-10000; default: ${DEFAULT-VALUE}).")
  int cpuWeight = 100;

  @Option(names = "--nice", paramLabel = "NICE", defaultValue = "0",
      description = "Priority (-20 to 19; default: not changed, the workload keeps the nice it"
          + " inherits, ${DEFAULT-VALUE} for a wrapper at nice ${DEFAULT-VALUE}).")
  int nice;

  @Option(names = "--memory-limit", paramLabel = "MB", defaultValue = "0",
      description = "Memory limit MB (0 = unlimited; default: ${DEFAULT-VALUE}).")
  long memoryLimit;

  @Option(names = "--io-weight", paramLabel = "PERCENT", defaultValue = "0",
      description = "IO weight %% (0-100, 0 = unset; default: ${DEFAULT-VALUE}).")
  int ioWeight;

  @Option(names = "--oom-score", paramLabel = "SCORE", defaultValue = "0",
      description = "OOM score (-1000 to 1000; default: not changed, the workload keeps the"
          + " OOM score it inherits).")
  int oomScore;

  @Option(names = "--json",
      description = "Print the report as one JSON document on standard output (default: false).")
  boolean json;

  @Option(names = "--strict",
      description = "Refuse to start when a requested constraint cannot be enforced.")
  boolean strict;

  @Option(names = "--cgroup-parent", paramLabel = "PATH",
      description = "Parent cgroup of the workload's cgroup, absolute in the hierarchy (e.g."
          + " /ffrtmp.slice; no empty, . or .. segments; default: the backend's rule); under"
          + " the systemd backend a slice, e.g. /batch.slice (default /ffrtmp.slice).")
  String cgroupParent;

  @Option(names = "--strategy", paramLabel = "NAME",
      description = "Force a backend: systemd, cgroup-v2, cgroup-v1 or nice-fallback.")
  String strategy;

  /** Applies every flag to the builder; a value the library rejects is a usage error. */
  void applyTo(GovernanceBuilder<?> b, CommandLine cl) {
    set(cl, "--job-id", () -> b.withJobId(jobId));
    b.slaEligible(slaEligible);
    set(cl, "--intent", () -> b.withIntent(Intent.parse(intent)));
    set(cl, FLAGS.get(Constraint.CPU_QUOTA), () -> b.withCpuQuota(cpuQuota));
    set(cl, FLAGS.get(Constraint.CPU_WEIGHT), () -> b.withCpuWeight(cpuWeight));
    // nothing requested, nothing changed: nice and OOM score only when given
    if (cl.getParseResult().hasMatchedOption(FLAGS.get(Constraint.NICE))) {
      set(cl, FLAGS.get(Constraint.NICE), () -> b.withNice(nice));
    }
    set(cl, FLAGS.get(Constraint.MEMORY_LIMIT_MB), () -> b.withMemoryLimitMb(memoryLimit));
    set(cl, FLAGS.get(Constraint.IO_WEIGHT), () -> b.withIoWeight(ioWeight));
    if (cl.getParseResult().hasMatchedOption(FLAGS.get(Constraint.OOM_SCORE))) {
      set(cl, FLAGS.get(Constraint.OOM_SCORE), () -> b.withOomScore(oomScore));
    }
    if (strategy != null) {
      set(cl, "--strategy", () -> b.withStrategy(strategy));
    }
    if (cgroupParent != null) {
      set(cl, "--cgroup-parent", () -> b.withCgroupParent(cgroupParent));
    }
    if (strict) {
      b.requireEnforcement();
    }
  }

  static void set(CommandLine cl, String flag, Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "Invalid value for " + flag + ": " + e.getMessage());
    }
  }
}
