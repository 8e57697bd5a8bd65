package io.ffrtmp.examples.cli;

import io.ffrtmp.Constraint;
import io.ffrtmp.GovernanceBuilder;
import io.ffrtmp.Intent;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The flags shared by {@code run} and {@code attach}, as in the operator guide's Flag
 * Reference. Ranges are not repeated here: each value goes to the library's builder, whose
 * message (naming the value and the range) becomes the usage error.
 */
final class ConstraintOptions {
  private ConstraintOptions() {}

  /** The flag of each constraint (checked against the model and the options by a test). */
  static final Map<Constraint, String> FLAGS = new EnumMap<>(Map.of(
      Constraint.CPU_QUOTA, "--cpu-quota",
      Constraint.CPU_WEIGHT, "--cpu-weight",
      Constraint.NICE, "--nice",
      Constraint.MEMORY_LIMIT_MB, "--memory-limit",
      Constraint.IO_WEIGHT, "--io-weight",
      Constraint.OOM_SCORE, "--oom-score"));

  /** The options, in help order. */
  static final List<Cli.Option> OPTIONS = List.of(
      Cli.Option.value("--job-id", "ID", "unknown", "Job identifier (default: unknown)."),
      Cli.Option.flag("--sla-eligible", "Mark as SLA-worthy (default: false)."),
      Cli.Option.value("--intent", "INTENT", "production",
          "production|test|experiment|soak (default: production)."),
      Cli.Option.value("--cpu-quota", "PERCENT", "0",
          "CPU % (100 = 1 core, 0 = unlimited; default: 0)."),
      Cli.Option.value("--cpu-weight", "WEIGHT", "100", "CPU weight (1-10000; default: 100)."),
      Cli.Option.value("--nice", "NICE", "0", "Priority (-20 to 19; default: not changed, the"
          + " workload keeps the nice it inherits, 0 for a wrapper at nice 0)."),
      Cli.Option.value("--memory-limit", "MB", "0",
          "Memory limit MB (0 = unlimited; default: 0)."),
      Cli.Option.value("--io-weight", "PERCENT", "0",
          "IO weight % (0-100, 0 = unset; default: 0)."),
      Cli.Option.value("--oom-score", "SCORE", "0", "OOM score (-1000 to 1000; default: not"
          + " changed, the workload keeps the OOM score it inherits)."),
      Cli.Option.flag("--json",
          "Print the report as one JSON document on standard output (default: false)."),
      Cli.Option.flag("--strict",
          "Refuse to start when a requested constraint cannot be enforced."),
      Cli.Option.value("--cgroup-parent", "PATH", null, "Parent cgroup of the workload's cgroup,"
          + " absolute in the hierarchy (e.g. /ffrtmp.slice; no empty, . or .. segments; default:"
          + " the backend's rule); under the systemd backend a slice, e.g. /batch.slice (default"
          + " /ffrtmp.slice)."),
      Cli.Option.value("--strategy", "NAME", null,
          "Force a backend: systemd, cgroup-v2, cgroup-v1 or nice-fallback."));

  /** Applies every flag to the builder; a value the library rejects is a usage error. */
  static void applyTo(GovernanceBuilder<?> b, Cli.Parsed p, Cli.Spec spec) {
    String jobId = String.valueOf(p.get("--job-id"));
    set(spec, "--job-id", () -> b.withJobId(jobId));
    b.slaEligible(p.has("--sla-eligible"));
    String intent = String.valueOf(p.get("--intent"));
    set(spec, "--intent", () -> b.withIntent(Intent.parse(intent)));
    int quota = p.intValue(FLAGS.get(Constraint.CPU_QUOTA));
    set(spec, FLAGS.get(Constraint.CPU_QUOTA), () -> b.withCpuQuota(quota));
    int weight = p.intValue(FLAGS.get(Constraint.CPU_WEIGHT));
    set(spec, FLAGS.get(Constraint.CPU_WEIGHT), () -> b.withCpuWeight(weight));
    // nothing requested, nothing changed: nice and OOM score only when given
    if (p.has(FLAGS.get(Constraint.NICE))) {
      int nice = p.intValue(FLAGS.get(Constraint.NICE));
      set(spec, FLAGS.get(Constraint.NICE), () -> b.withNice(nice));
    }
    long memory = p.longValue(FLAGS.get(Constraint.MEMORY_LIMIT_MB));
    set(spec, FLAGS.get(Constraint.MEMORY_LIMIT_MB), () -> b.withMemoryLimitMb(memory));
    int io = p.intValue(FLAGS.get(Constraint.IO_WEIGHT));
    set(spec, FLAGS.get(Constraint.IO_WEIGHT), () -> b.withIoWeight(io));
    if (p.has(FLAGS.get(Constraint.OOM_SCORE))) {
      int oom = p.intValue(FLAGS.get(Constraint.OOM_SCORE));
      set(spec, FLAGS.get(Constraint.OOM_SCORE), () -> b.withOomScore(oom));
    }
    String strategy = p.get("--strategy");
    if (strategy != null) {
      set(spec, "--strategy", () -> b.withStrategy(strategy));
    }
    String parent = p.get("--cgroup-parent");
    if (parent != null) {
      set(spec, "--cgroup-parent", () -> b.withCgroupParent(parent));
    }
    if (p.has("--strict")) {
      b.requireEnforcement();
    }
  }

  /** Runs a builder call; the library's {@link IllegalArgumentException} is a usage error. */
  static void set(Cli.Spec spec, String flag, Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException e) {
      throw Cli.usage(spec, "Invalid value for " + flag + ": " + e.getMessage());
    }
  }
}
