package io.ffrtmp.spi;

import io.ffrtmp.Constraint;
import io.ffrtmp.ConstraintChanges;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One workload's governance, prepared by a {@link GovernanceStrategy} before the launch: the
 * cgroup (if any) exists and carries its limits. The core then launches the workload so that it
 * writes itself into {@link #joinFiles()} before its first instruction, applies nice and
 * oom_score_adj itself (they are process attributes, the same under every backend), and at the
 * end calls {@link #usage()} and then {@link #release()}.
 */
public interface Governance {
  /**
   * How the detail of an update's entry begins when strict mode put the change back because
   * another constraint of the update was not in force: such an entry is not a cause.
   */
  String NOT_CHANGED = "not changed: strict mode refused the update, as another constraint of"
      + " it is not in force; the previous value put back";

  /**
   * The cgroup, relative to the hierarchy root, or null without one.
   *
   * @return e.g. {@code /ffrtmp-wrapper-job-1}
   */
  @Nullable String cgroupPath();

  /**
   * The files the launched process joins before it execs the workload: a {@code cgroup.procs}
   * file gets its pid, a cgroup v1 {@code tasks} file gets 0 (the writing thread: the launch
   * shim has one); empty without cgroups.
   *
   * @return absolute paths
   */
  List<Path> joinFiles();

  /**
   * What was done about the cgroup constraints ({@code cpu_quota}, {@code cpu_weight}, {@code
   * memory_limit_mb}, {@code io_weight}): one entry each. Nice and OOM score are the core's.
   *
   * @return the entries
   */
  List<Enforcement> enforcement();

  /**
   * Problems met while preparing, as warning texts.
   *
   * @return the warnings
   */
  List<String> warnings();

  /**
   * Moves a running process (all its threads) into the workload's cgroup: attach mode. A
   * backend without cgroups does nothing.
   *
   * @param pid the process
   * @throws IOException when the kernel refuses
   */
  void adopt(long pid) throws IOException;

  /**
   * Moves a process back into the cgroups it was in before {@link #adopt(long)}: attach mode's
   * detach with restore. A backend without cgroups does nothing.
   *
   * @param pid the process
   * @param originalCgroups the text of {@code /proc/<pid>/cgroup} read at adoption
   * @throws IOException when the kernel refuses
   */
  void moveBack(long pid, String originalCgroups) throws IOException;

  /**
   * Whether this backend places the launched process itself, after the launch, rather than the
   * process joining {@link #joinFiles()} (systemd: a transient scope is created with the pid of
   * a running process). The launch keeper then waits for the core's go before it starts the
   * workload, so the workload's first instruction still runs placed.
   *
   * @return true for such a backend
   */
  default boolean placesLaunchedProcess() {
    return false;
  }

  /**
   * Places the launch keeper of a run-mode workload (only when {@link
   * #placesLaunchedProcess()}): the workload has not started yet, and starts once this returned
   * and the core has checked strict mode. Afterwards {@link #enforcement()}, {@link
   * #cgroupPath()} and {@link #state()} are complete. The keeper stays in the workload's group
   * until it has recorded the end (the core spares it: {@link #signalAll(int, long)}).
   *
   * @param keeperPid the keeper's pid
   * @throws IOException when placement fails (the core then kills the keeper)
   */
  default void placeLaunched(long keeperPid) throws IOException {
    adopt(keeperPid);
  }

  /**
   * The processes in the workload's cgroup now (attach mode's detach with restore moves back
   * those that joined after the adoption). A backend without cgroups returns none.
   *
   * @return their pids
   */
  default List<Long> members() {
    return List.of();
  }

  /**
   * The kernel counter files {@link #usage()} reads: the launch keeper copies them into the exit
   * record the moment the workload ends (it still holds the cgroup then), so that the final
   * usage and OOM verdict survive the JVM and a cgroup (or scope) collected afterwards. A path
   * under {@code /proc/self} is read by the keeper as its own, after it reaped the workload (its
   * task IO accounting then includes the workload's): only {@link #usage(java.util.Map)} can
   * know it, from the copy.
   *
   * @return absolute paths; none without cgroups
   */
  default List<Path> finalCounters() {
    return List.of();
  }

  /**
   * The workload's pressure file for a resource, where a {@linkplain
   * io.ffrtmp.GovernedWorkload#onPressure PSI trigger} can be written ({@code cpu.pressure},
   * {@code memory.pressure}, {@code io.pressure} of its cgroup v2 directory or systemd scope).
   *
   * @param resource {@code cpu}, {@code memory} or {@code io}
   * @return the file, or null where this backend has none (the default)
   */
  default @Nullable Path pressureFile(String resource) {
    return null;
  }

  /**
   * What a later JVM needs to rebuild this governance with {@link
   * GovernanceStrategy#restore(java.util.Map, java.util.Map)} (recovery after an agent
   * restart): e.g. the cgroup directories. Written into the workload's start record.
   *
   * @return text keys and values; empty without anything to restore
   */
  default java.util.Map<String, String> state() {
    return java.util.Map.of();
  }

  /**
   * Changes limits of the running workload: the cgroup constraints among {@code changes} (the
   * core applies nice and the OOM score itself). Each is written as at the start, read back,
   * and, where it does not take, put back to its previous value (not the kernel's default: the
   * workload keeps the limits it had); a value equal to the constraint's default lifts it
   * ({@code max}). A memory limit below the workload's current usage is refused ({@code
   * failed}, the old one kept) unless {@link ConstraintChanges#memoryBelowUsageAllowed()}. In
   * strict mode, when one of them is not in force, every one changed is put back and the
   * entries say so; the core then refuses the update. A backend without cgroups reports each
   * {@code degraded}.
   *
   * @param changes the new values
   * @param strict whether the update must be all or nothing
   * @return one entry per changed cgroup constraint, in {@link Constraint} order
   */
  default List<Enforcement> update(ConstraintChanges changes, boolean strict) {
    List<Enforcement> out = new java.util.ArrayList<>();
    for (Constraint c : changes.requested().keySet()) {
      if (c.isCgroupConstraint()) {
        out.add(new Enforcement(c, EnforcementStatus.DEGRADED, "-",
            "no cgroup: this backend cannot change " + c.key() + " of a running workload"));
      }
    }
    return out;
  }

  /**
   * Sends a signal to every process in the workload's cgroup but {@code spared}. The core also
   * signals the workload's process group; a backend without cgroups does nothing here.
   *
   * <p>{@code spared} is a run-mode workload's launch keeper, which the core knows (it started
   * it, or found it again in the records): the workload's parent, which forwards what it gets
   * to the workload and, once it reaped it, records the end and the final counters — a keeper
   * killed with the workload would leave no exit record. Where the keeper is a member of the
   * cgroup (cgroup v1, where it joins before it forks; a systemd scope, where it was placed),
   * it must not be signalled; where it is not (cgroup v2, the workload cloned into the
   * cgroup), nothing changes. Backends keep no keeper pid of their own.
   *
   * @param signal the signal number (15 = SIGTERM, 9 = SIGKILL)
   * @param spared the pid not to signal, or 0 for none
   */
  void signalAll(int signal, long spared);

  /**
   * Reads the kernel's counters. Called once, after the workload's main process ended and
   * before {@link #release()}.
   *
   * @return the usage; {@link Usage#UNKNOWN} without cgroups
   */
  Usage usage();

  /**
   * Reads the kernel's counters at the end, given the launch keeper's copy of {@link
   * #finalCounters()} taken when the workload ended: a backend whose cgroup may be gone by now
   * (a systemd scope is collected once empty) reads them from there.
   *
   * @param finalCounters counter file path to its content at the end (may be empty)
   * @return the usage
   */
  default Usage usage(java.util.Map<String, String> finalCounters) {
    return usage();
  }

  /**
   * Removes the cgroup without making the caller wait: if the kernel reports it busy (a zombie
   * not yet reaped, children that outlived the workload) removal is retried in the background
   * for a while, after which a later start's cleanup collects it once empty. Never throws.
   *
   * @return warnings: processes that outlived the workload, or failures other than busy
   */
  List<String> release();
}
