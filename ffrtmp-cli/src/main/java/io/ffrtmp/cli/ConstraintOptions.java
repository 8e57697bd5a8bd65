package io.ffrtmp.cli;

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
  static final Map<Constraint, String> FLAGS = new EnumMap<>(Map.ofEntries(
      Map.entry(Constraint.CPU_QUOTA, "--cpu-quota"),
      Map.entry(Constraint.CPU_WEIGHT, "--cpu-weight"),
      Map.entry(Constraint.NICE, "--nice"),
      Map.entry(Constraint.MEMORY_LIMIT_MB, "--memory-limit"),
      Map.entry(Constraint.IO_WEIGHT, "--io-weight"),
      Map.entry(Constraint.OOM_SCORE, "--oom-score"),
      Map.entry(Constraint.MEMORY_HIGH_MB, "--memory-high"),
      Map.entry(Constraint.SWAP_MAX_MB, "--swap-max"),
      Map.entry(Constraint.PIDS_MAX, "--pids-max"),
      Map.entry(Constraint.CPUS, "--cpus"),
      Map.entry(Constraint.MEMORY_NODES, "--memory-nodes"),
      Map.entry(Constraint.IO_MAX, "--io-max")));

  /** The help of {@code --io-max}, shared with {@code update}. */
  static final String IO_MAX_HELP = "Block IO limits per device, as cgroup v2's io.max (the"
      + " original wrapper's flag): 'MAJ:MIN rbps=N wbps=N riops=N wiops=N', a device also by"
      + " path (/dev/sda, or a file on the disk), N in bytes or IOs per second (K, M, G, T:"
      + " powers of 1024) or max; several devices separated by ';'";

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
      Cli.Option.value("--cpu-max", "'QUOTA PERIOD'", null, "The original wrapper's spelling"
          + " of --cpu-quota, as cgroup v2's cpu.max: e.g. '50000 100000' (50 %), 'max'"
          + " (unlimited); a whole percent of one core."),
      Cli.Option.value("--memory-max", "BYTES", null, "The original wrapper's spelling of"
          + " --memory-limit, in bytes (whole MiB), or 'max' (unlimited)."),
      Cli.Option.value("--io-weight", "PERCENT", "0",
          "IO weight % (0-100, 0 = unset; default: 0)."),
      Cli.Option.value("--oom-score", "SCORE", "0", "OOM score (-1000 to 1000; default: not"
          + " changed, the workload keeps the OOM score it inherits)."),
      Cli.Option.value("--memory-high", "MB", "0", "Memory high (soft) limit MB: above it the"
          + " workload is throttled and reclaimed, not killed (0 = unlimited; default: 0;"
          + " cgroup v2 and systemd)."),
      Cli.Option.value("--swap-max", "MB", "-1", "Swap limit MB (0 = no swap, -1 = unlimited;"
          + " default: -1; cgroup v2 and systemd)."),
      Cli.Option.value("--pids-max", "N", "0", "Most processes and threads at once; a fork"
          + " beyond it fails (0 = unlimited; default: 0)."),
      Cli.Option.value("--cpus", "LIST", "", "The CPUs it may run on, e.g. 0-3,8 (default: all"
          + " of its parent's)."),
      Cli.Option.value("--memory-nodes", "LIST", "", "The memory (NUMA) nodes it may allocate"
          + " from, e.g. 0 (default: all of its parent's)."),
      Cli.Option.value("--io-max", "'DEV KEY=N'", "", IO_MAX_HELP + " (default: none)."),
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
    int quota = p.has("--cpu-max") ? cpuMax(p, spec) : p.intValue(FLAGS.get(Constraint.CPU_QUOTA));
    set(spec, p.has("--cpu-max") ? "--cpu-max" : FLAGS.get(Constraint.CPU_QUOTA),
        () -> b.withCpuQuota(quota));
    int weight = p.intValue(FLAGS.get(Constraint.CPU_WEIGHT));
    set(spec, FLAGS.get(Constraint.CPU_WEIGHT), () -> b.withCpuWeight(weight));
    // nothing requested, nothing changed: nice and OOM score only when given
    if (p.has(FLAGS.get(Constraint.NICE))) {
      int nice = p.intValue(FLAGS.get(Constraint.NICE));
      set(spec, FLAGS.get(Constraint.NICE), () -> b.withNice(nice));
    }
    long memory = p.has("--memory-max") ? memoryMax(p, spec)
        : p.longValue(FLAGS.get(Constraint.MEMORY_LIMIT_MB));
    set(spec, p.has("--memory-max") ? "--memory-max" : FLAGS.get(Constraint.MEMORY_LIMIT_MB),
        () -> b.withMemoryLimitMb(memory));
    int io = p.intValue(FLAGS.get(Constraint.IO_WEIGHT));
    set(spec, FLAGS.get(Constraint.IO_WEIGHT), () -> b.withIoWeight(io));
    if (p.has(FLAGS.get(Constraint.OOM_SCORE))) {
      int oom = p.intValue(FLAGS.get(Constraint.OOM_SCORE));
      set(spec, FLAGS.get(Constraint.OOM_SCORE), () -> b.withOomScore(oom));
    }
    long high = p.longValue(FLAGS.get(Constraint.MEMORY_HIGH_MB));
    set(spec, FLAGS.get(Constraint.MEMORY_HIGH_MB), () -> b.withMemoryHighMb(high));
    long swap = p.longValue(FLAGS.get(Constraint.SWAP_MAX_MB));
    set(spec, FLAGS.get(Constraint.SWAP_MAX_MB), () -> b.withSwapMaxMb(swap));
    int pids = p.intValue(FLAGS.get(Constraint.PIDS_MAX));
    set(spec, FLAGS.get(Constraint.PIDS_MAX), () -> b.withPidsMax(pids));
    String cpus = String.valueOf(p.get(FLAGS.get(Constraint.CPUS)));
    set(spec, FLAGS.get(Constraint.CPUS), () -> b.withCpus(cpus));
    String nodes = String.valueOf(p.get(FLAGS.get(Constraint.MEMORY_NODES)));
    set(spec, FLAGS.get(Constraint.MEMORY_NODES), () -> b.withMemoryNodes(nodes));
    String ioMax = String.valueOf(p.get(FLAGS.get(Constraint.IO_MAX)));
    set(spec, FLAGS.get(Constraint.IO_MAX), () -> b.withIoMax(ioMax));
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

  /**
   * {@code --cpu-max 'QUOTA PERIOD'} (cgroup v2's {@code cpu.max}, the original wrapper's flag)
   * as a percent of one core; {@code max} is unlimited (0).
   */
  private static int cpuMax(Cli.Parsed p, Cli.Spec spec) {
    if (p.has(FLAGS.get(Constraint.CPU_QUOTA))) {
      throw Cli.usage(spec, "Invalid value for --cpu-max: give --cpu-max or --cpu-quota, not"
          + " both");
    }
    String v = String.valueOf(p.get("--cpu-max")).trim();
    String[] f = v.split("\\s+");
    if (f[0].equals("max") && (f.length == 1 || (f.length == 2 && f[1].matches("[0-9]+")))) {
      return 0;
    }
    try {
      if (f.length != 2) {
        throw new NumberFormatException();
      }
      long quota = Long.parseLong(f[0]);
      long period = Long.parseLong(f[1]);
      if (quota <= 0 || period <= 0 || Math.multiplyExact(quota, 100L) % period != 0) {
        throw Cli.usage(spec, "Invalid value for --cpu-max: '" + Log.printable(v) + "' is not"
            + " a whole percent of one core (QUOTA × 100 / PERIOD must be a whole number > 0;"
            + " or use --cpu-quota PERCENT)");
      }
      long percent = quota * 100 / period;
      return (int) Math.min(Integer.MAX_VALUE, percent);
    } catch (NumberFormatException | ArithmeticException e) {
      throw Cli.usage(spec, "Invalid value for --cpu-max: '" + Log.printable(v) + "' is not"
          + " 'QUOTA PERIOD' in microseconds (e.g. '50000 100000') or 'max'");
    }
  }

  /** {@code --memory-max BYTES} (the original wrapper's flag) in MiB; {@code max} is 0. */
  private static long memoryMax(Cli.Parsed p, Cli.Spec spec) {
    if (p.has(FLAGS.get(Constraint.MEMORY_LIMIT_MB))) {
      throw Cli.usage(spec, "Invalid value for --memory-max: give --memory-max or"
          + " --memory-limit, not both");
    }
    String v = String.valueOf(p.get("--memory-max")).trim();
    if (v.equals("max")) {
      return 0;
    }
    try {
      long bytes = Long.parseLong(v);
      if (bytes <= 0 || bytes % 1048576L != 0) {
        throw Cli.usage(spec, "Invalid value for --memory-max: " + bytes + " bytes is not a"
            + " whole number of MiB (1 MiB = 1048576 bytes; ffrtmp's limit is in MiB: e.g. "
            + Math.max(1, (bytes + 1048575L) / 1048576L) * 1048576L + ", or --memory-limit MB)");
      }
      return bytes / 1048576L;
    } catch (NumberFormatException e) {
      throw Cli.usage(spec, "Invalid value for --memory-max: '" + Log.printable(v) + "' is not"
          + " a number of bytes or 'max'");
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
