package io.ffrtmp.internal;

import io.ffrtmp.AttachBuilder;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The attach-mode {@link AttachBuilder}. */
public final class AttachBuilderImpl extends AbstractBuilder<AttachBuilder>
    implements AttachBuilder {
  private final long pid;
  private boolean descendants = true;
  private boolean restore;

  /**
   * Checks the pid.
   *
   * @param pid the process to adopt
   */
  public AttachBuilderImpl(long pid) {
    if (pid < 1 || pid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "pid must be between 1 and " + Integer.MAX_VALUE + ", got " + pid);
    }
    if (pid == 1) {
      throw new IllegalArgumentException("pid 1 (init) cannot be adopted");
    }
    if (pid == ProcessHandle.current().pid()) {
      throw new IllegalArgumentException(
          "pid " + pid + " is this JVM: the governor cannot adopt itself");
    }
    this.pid = pid;
  }

  @Override
  AttachBuilder self() {
    return this;
  }

  @Override
  public AttachBuilder withDescendants(boolean include) {
    this.descendants = include;
    return this;
  }

  @Override
  public AttachBuilder restoreOnDetach(boolean value) {
    this.restore = value;
    return this;
  }

  /**
   * Loads what an adoption runs (its classes, its native calls, the exit watcher's thread)
   * ahead of the first one: a watcher adopts when the host may be at its busiest, and a class
   * loaded then can wait behind the JVM's other threads for the class loader.
   */
  public static void warmUp() {
    long self = ProcessHandle.current().pid();
    Governed.why(self);
    io.ffrtmp.internal.os.Posix.kill((int) self, 0);
    io.ffrtmp.internal.os.ExitWatcher.shared();
    try {
      Class.forName(AttachedWorkload.class.getName(), true,
          AttachBuilderImpl.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Moves one more process of an attach-mode workload's tree into its cgroup (the watcher's
   * children forked during and after an adoption).
   *
   * @param workload a workload this builder started
   * @param pid a descendant of its process
   * @return whether it was moved (false for a workload not in attach mode, or ended)
   */
  public static boolean follow(GovernedWorkload workload, long pid) {
    return workload instanceof AttachedWorkload a && a.follow(pid);
  }

  /**
   * Brings a descendant of an attach-mode workload's process back into its cgroup, with its own
   * descendants, where it is found in no cgroup of ffrtmp's (a fork the watcher never heard
   * of, a move that failed). One in a cgroup of ffrtmp's — the workload's, as a descendant
   * usually is, or another run's — costs one read of its {@code /proc/<pid>/cgroup} and is left
   * there; so is each descendant that a run of ffrtmp governs. Nothing without a cgroup
   * (nice-fallback: its children inherit nice and OOM score).
   *
   * @param workload a workload this builder started
   * @param pid a descendant of its process
   * @return how many processes were moved
   */
  public static int rejoin(GovernedWorkload workload, long pid) {
    if (!(workload instanceof AttachedWorkload a) || workload.cgroupPath().isEmpty()
        || Governed.inACgroupOfFfrtmps(pid)) {
      return 0;
    }
    List<Long> tree = new ArrayList<>();
    tree.add(pid);
    tree.addAll(ProcFs.descendants(pid));
    int moved = 0;
    for (long p : tree) {
      if (Governed.why(p).isEmpty() && a.follow(p)) {
        moved++;
      }
    }
    return moved;
  }

  @Override
  public GovernedWorkload start() throws IOException, EnforcementException {
    Strategies.Selection selection = Strategies.selectFromRegistry(strategy);
    return AttachedWorkload.adopt(
        new AttachedWorkload.Spec(common(), pid, descendants, restore, agent, acknowledged),
        selection.chosen(),
        selection.warnings());
  }
}
