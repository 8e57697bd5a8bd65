package io.ffrtmp.cgroups;

import io.ffrtmp.spi.Processes;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Signals every member of a cgroup, optionally while it is frozen. */
public final class MemberSignals {
  private static final Logger LOG = LoggerFactory.getLogger(MemberSignals.class);

  private MemberSignals() {}

  /**
   * Sends a signal to every process listed in a {@code cgroup.procs} file but one.
   *
   * @param fs the cgroupfs
   * @param procs the cgroup.procs file
   * @param signal the signal
   * @param spared a pid not to signal (the launch keeper), or 0 for none
   * @return how many processes were signalled
   */
  public static int signalMembers(CgroupFs fs, Path procs, int signal, long spared) {
    int n = 0;
    try {
      for (long pid : ControlFiles.pids(fs, procs)) {
        if (pid != spared && Processes.signal(pid, signal)) {
          n++;
        }
      }
    } catch (IllegalArgumentException e) {
      LOG.debug("could not signal members of {}: {}", procs, e.toString());
    }
    return n;
  }

  /**
   * Kills every member of a cgroup but one while it is frozen, so that nothing forks in between:
   * freeze, wait (up to about 100 ms) until the kernel says frozen, signal every process in
   * {@code procs} but {@code spared} (the launch keeper, thawed with the others, then reaps and
   * records the end), thaw. Where freezing fails the members are signalled anyway; a cgroup
   * removed before the thaw (its end came first) is not a failure to thaw.
   *
   * @param fs the cgroupfs
   * @param freezer how this cgroup version freezes
   * @param procs the cgroup.procs file
   * @param signal the signal
   * @param spared a pid not to signal, or 0 for none
   */
  public static void signalFrozen(CgroupFs fs, Freezer freezer, Path procs, int signal,
      long spared) {
    try {
      fs.write(freezer.file(), freezer.frozen());
      for (int i = 0; i < 100 && !freezer.probe().frozen(); i++) {
        Thread.sleep(1);
      }
    } catch (IOException e) {
      LOG.debug("cannot freeze {}: {}", freezer.file(), CgroupFs.reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      signalMembers(fs, procs, signal, spared);
    } finally {
      try {
        fs.write(freezer.file(), freezer.thawed());
      } catch (IOException e) {
        if (CgroupFs.errno(e) == CgroupFsException.ENOENT) {
          // the end's removal of the emptied cgroup came first: nothing is left frozen
          LOG.debug("not thawed, already removed: {}", freezer.file());
        } else {
          LOG.warn("could not thaw {}: {}", freezer.file(), CgroupFs.reason(e));
        }
      }
    }
  }

  /**
   * A cgroup's freezer.
   *
   * @param file {@code freezer.state} (v1) or {@code cgroup.freeze} (v2)
   * @param frozen what to write to freeze ({@code FROZEN} or {@code 1})
   * @param thawed what to write to thaw ({@code THAWED} or {@code 0})
   * @param probe whether the kernel reports the cgroup frozen
   */
  public record Freezer(Path file, String frozen, String thawed, FrozenProbe probe) {}

  /** Whether the kernel reports a cgroup frozen. */
  @FunctionalInterface
  public interface FrozenProbe {
    /**
     * Reads the cgroup's freezer state.
     *
     * @return true when frozen
     * @throws IOException when it cannot be read
     */
    boolean frozen() throws IOException;
  }
}
