package io.ffrtmp.internal.watch;

import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A process's facts as {@code /proc} has them, each read when a rule first asks for it: a
 * process no rule names costs the read of its {@code stat} and {@code cmdline} only.
 */
final class LiveProcess implements ProcessFacts {
  /** Clock ticks per second of {@code /proc}'s times ({@code USER_HZ}, 100 on Linux). */
  private static final long USER_HZ = 100;

  private final long pid;
  private final String comm;
  private final ProcFs.Stat stat;
  private @Nullable List<String> argv;
  private @Nullable Optional<String> exe;
  private long uid = -2;
  private @Nullable Optional<String> user;
  private @Nullable List<String> parentCommands;
  private @Nullable List<String> cgroups;
  private @Nullable Optional<String> cwd;
  private @Nullable Duration age;
  private final Users users;

  private LiveProcess(long pid, String comm, ProcFs.Stat stat, Users users) {
    this.pid = pid;
    this.comm = comm;
    this.stat = stat;
    this.users = users;
  }

  /**
   * The process as it is now.
   *
   * @return it, or empty when it is gone or a kernel thread
   */
  static Optional<LiveProcess> of(long pid, Users users) {
    String line;
    try {
      line = ProcFs.readSmall("/proc/" + pid + "/stat");
    } catch (IOException e) {
      return Optional.empty();
    }
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 0 || close < open) {
      return Optional.empty();
    }
    ProcFs.Stat stat;
    try {
      stat = ProcFs.Stat.parse(line);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    if (stat.kernelThread() || stat.state() == 'Z' || stat.state() == 'X') {
      return Optional.empty();
    }
    return Optional.of(new LiveProcess(pid, line.substring(open + 1, close), stat, users));
  }

  long startTime() {
    return stat.startTime();
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public long ppid() {
    return stat.ppid();
  }

  @Override
  public String comm() {
    return comm;
  }

  @Override
  public List<String> argv() {
    List<String> a = argv;
    if (a == null) {
      a = ProcFs.cmdline(pid);
      argv = a;
    }
    return a;
  }

  @Override
  public Optional<String> exe() {
    Optional<String> e = exe;
    if (e == null) {
      e = link("exe");
      exe = e;
    }
    return e;
  }

  @Override
  public long uid() {
    if (uid == -2) {
      uid = ProcFs.uidOf(pid);
    }
    return uid;
  }

  @Override
  public Optional<String> user() {
    Optional<String> u = user;
    if (u == null) {
      u = users.name(uid());
      user = u;
    }
    return u;
  }

  @Override
  public List<String> parentCommands() {
    List<String> p = parentCommands;
    if (p == null) {
      p = new ArrayList<>(2);
      Optional<LiveProcess> parent = of(stat.ppid(), users);
      if (parent.isPresent()) {
        p.add(parent.get().comm());
        String name = parent.get().name();
        if (!name.equals(parent.get().comm())) {
          p.add(name);
        }
      }
      parentCommands = p;
    }
    return p;
  }

  @Override
  public List<String> cgroups() {
    List<String> c = cgroups;
    if (c == null) {
      c = ProcFs.cgroupPaths(pid);
      cgroups = c;
    }
    return c;
  }

  @Override
  public Optional<String> cwd() {
    Optional<String> d = cwd;
    if (d == null) {
      d = link("cwd");
      cwd = d;
    }
    return d;
  }

  @Override
  public Duration age() {
    Duration a = age;
    if (a == null) {
      a = ageOf(stat.startTime());
      age = a;
    }
    return a;
  }

  /** How long ago a process started, from its start time in clock ticks since boot. */
  static Duration ageOf(long startTicks) {
    try {
      String up = ProcFs.read(Path.of("/proc/uptime"));
      double seconds = Double.parseDouble(up.substring(0, up.indexOf(' ')));
      long ms = (long) (seconds * 1000) - startTicks * 1000 / USER_HZ;
      return Duration.ofMillis(Math.max(0, ms));
    } catch (IOException | RuntimeException e) {
      return Duration.ZERO;
    }
  }

  private Optional<String> link(String name) {
    try {
      String s = Files.readSymbolicLink(Path.of("/proc/" + pid + "/" + name)).toString();
      return Optional.of(s.endsWith(" (deleted)") ? s.substring(0, s.length() - 10) : s);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
