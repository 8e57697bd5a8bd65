package io.ffrtmp.cgroups;

import io.ffrtmp.Constraint;

/**
 * How a cgroup in the unified (v2) hierarchy carries each constraint: the {@code cgroup-v2}
 * backend writes these files, and the {@code systemd} backend reads what systemd wrote to a
 * scope (a v2 directory too) back with the same table, as runc's systemd driver composes its
 * {@code fs2} manager. The counters are {@link UnifiedCounters}'.
 */
public final class UnifiedLimits {
  private UnifiedLimits() {}

  /**
   * The mapping (the table in docs/ARCHITECTURE.md): {@code cpu.max = "<p * 1000>
   * 100000"}; {@code cpu.weight = w}; {@code memory.max = m * 1048576}; {@code io.weight =
   * "default <p * 100>"} (else {@code io.bfq.weight = "default <p * 10>"}); {@code memory.high =
   * h * 1048576}; {@code memory.swap.max = s * 1048576}; {@code pids.max = n}; {@code
   * cpuset.cpus} and {@code cpuset.mems} = the list; {@code io.max} = one line per device
   * ({@code MAJ:MIN rbps= wbps= riops= wiops=}, {@code max} for none). Every file is in the
   * workload's one directory.
   */
  public static final LimitTable TABLE = LimitTable.of(
      LimitRule.of(Constraint.CPU_QUOTA,
          ControlWrite.of("cpu", "cpu.max", p -> p * 1000 + " 100000", "max 100000")),
      LimitRule.of(Constraint.CPU_WEIGHT,
          ControlWrite.of("cpu", "cpu.weight", Long::toString, "100")),
      LimitRule.of(Constraint.MEMORY_LIMIT_MB,
          ControlWrite.of("memory", "memory.max", m -> Long.toString(m * 1048576L), "max")),
      LimitRule.firstAvailable(Constraint.IO_WEIGHT,
          "neither io.weight nor io.bfq.weight exists (io controller not enabled, or an IO"
              + " scheduler without weights)",
          ControlWrite.keyedDefault("io", "io.weight", p -> Long.toString(p * 100),
              "default 100"),
          ControlWrite.keyedDefault("io", "io.bfq.weight", p -> Long.toString(p * 10),
              "default 100")),
      LimitRule.of(Constraint.MEMORY_HIGH_MB,
          ControlWrite.of("memory", "memory.high", m -> Long.toString(m * 1048576L), "max")),
      LimitRule.of(Constraint.SWAP_MAX_MB,
          ControlWrite.of("memory", "memory.swap.max", m -> Long.toString(m * 1048576L),
              "max")),
      LimitRule.of(Constraint.PIDS_MAX,
          ControlWrite.of("pids", "pids.max", Long::toString, "max")),
      LimitRule.of(Constraint.CPUS, ControlWrite.list("cpuset", "cpuset.cpus")),
      LimitRule.of(Constraint.MEMORY_NODES, ControlWrite.list("cpuset", "cpuset.mems")),
      LimitRule.of(Constraint.IO_MAX, ControlWrite.ioLimits("io", "io.max", ControlWrite.IO_MAX)));
}
