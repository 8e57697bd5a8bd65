package io.ffrtmp.internal.keeper;

import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * When a recorded pid may be used: only when it still names the process that was recorded.
 * A pid is reused by the kernel; a process of another user may carry any command line. So a
 * pid counts only with its start time (stat field 22, in clock ticks since boot, fixed for
 * the life of a process), a keeper only when it is also this user's and the workload's parent,
 * and a workload only when it is the keeper's child or, once its keeper is gone, has its
 * recorded start time.
 */
public final class Trust {
  private static final long UID = ProcFs.uid();

  private Trust() {}

  /**
   * Whether the pid names a living process (not a zombie) that started at that time.
   *
   * @param pid the pid, or 0
   * @param startTime the recorded start time
   * @return true when it does
   */
  public static boolean alive(long pid, long startTime) {
    return pid > 0 && live(ProcFs.stat(pid), startTime);
  }

  private static boolean live(Optional<ProcFs.Stat> stat, long startTime) {
    return stat.map(s -> s.startTime() == startTime && s.state() != 'Z' && s.state() != 'X')
        .orElse(false);
  }

  /**
   * Whether the recorded keeper lives: its pid and start time agree, and it is this user's.
   *
   * @param p the recorded pids
   * @return true when the keeper is alive and ours
   */
  public static boolean keeperAlive(StartRecord.Pids p) {
    return alive(p.keeperPid(), p.keeperStartTime()) && owner(p.keeperPid()) == UID;
  }

  /**
   * Whether the recorded workload lives: its pid and start time agree and, while its keeper
   * lives, it is the keeper's child.
   *
   * @param p the recorded pids
   * @return true when the workload is alive
   */
  public static boolean workloadAlive(StartRecord.Pids p) {
    return workloadAlive(p, keeperAlive(p));
  }

  /**
   * Like {@link #workloadAlive(StartRecord.Pids)}, for a caller that has just asked {@link
   * #keeperAlive(StartRecord.Pids)}.
   *
   * @param p the recorded pids
   * @param keeperAlive whether the keeper lives
   * @return true when the workload is alive
   */
  public static boolean workloadAlive(StartRecord.Pids p, boolean keeperAlive) {
    if (p.pid() <= 0) {
      return false;
    }
    Optional<ProcFs.Stat> stat = ProcFs.stat(p.pid());
    return live(stat, p.startTime()) && (!keeperAlive || stat.get().ppid() == p.keeperPid());
  }

  /**
   * The effective uid of a process ({@code /proc/<pid>}'s owner), or -1.
   *
   * @param pid the process
   * @return its uid
   */
  static long owner(long pid) {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/" + pid), "unix:uid",
          LinkOption.NOFOLLOW_LINKS);
      return uid instanceof Integer u ? u : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * A keeper by the path of its exit record on its command line: for a start record without
   * pids (its JVM died between the record and the launch's end, a window of a millisecond).
   * Only a process of this user whose command line is a keeper's ({@link ShimCommand}) naming
   * that exit record counts; one scan of {@code /proc}.
   *
   * @param exitFile the exit record's path, unique to the launch
   * @return the keeper's and its child's pids
   */
  public static Optional<StartRecord.Pids> findKeeper(Path exitFile) {
    try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          long pid = Long.parseLong(p.getFileName().toString());
          if (owner(pid) != UID) {
            continue;
          }
          List<String> argv = ProcFs.cmdline(pid);
          if (!argv.contains(exitFile.toString()) || !ShimCommand.parse(argv)
              .map(c -> c.exitFile().equals(exitFile)).orElse(false)) {
            continue;
          }
          long keeperStart = ProcFs.stat(pid).map(ProcFs.Stat::startTime).orElse(0L);
          long child = ProcessHandle.of(pid).flatMap(h -> h.children().findFirst())
              .map(ProcessHandle::pid).orElse(0L);
          long childStart = child == 0 ? 0
              : ProcFs.stat(child).map(ProcFs.Stat::startTime).orElse(0L);
          return Optional.of(new StartRecord.Pids(child, childStart, pid, keeperStart));
        } catch (RuntimeException e) {
          // gone meanwhile, or not readable
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
