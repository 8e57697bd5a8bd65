package io.ffrtmp.internal.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** Small readers of {@code /proc}. */
public final class ProcFs {
  /** CAP_SYS_NICE: lower nice values. */
  public static final int CAP_SYS_NICE = 23;
  /** CAP_SYS_RESOURCE: lower oom_score_adj. */
  public static final int CAP_SYS_RESOURCE = 24;

  private ProcFs() {}

  /**
   * Whether this process has a capability in its effective set.
   *
   * @param cap the capability number
   * @return true if it has it; false if not or unknown
   */
  public static boolean hasCapability(int cap) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long bits = Long.parseUnsignedLong(line.substring(7).trim(), 16);
          return (bits & (1L << cap)) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }

  /**
   * The lowest nice value this process may set without CAP_SYS_NICE, from RLIMIT_NICE ({@code
   * 20 - rlim_cur}).
   *
   * @return the lowest allowed nice value, 20 when RLIMIT_NICE is 0 or unknown
   */
  public static int lowestNiceByRlimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max nice priority")) {
          String[] f = line.substring("Max nice priority".length()).trim().split("\\s+");
          if (f[0].equals("unlimited")) {
            return -20;
          }
          return 20 - Integer.parseInt(f[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return 20;
    }
    return 20;
  }

  /**
   * Reads a whole small file as text, without the trailing newline.
   *
   * @param file the file
   * @return its content
   * @throws IOException if it cannot be read
   */
  public static String read(Path file) throws IOException {
    String s = Files.readString(file, StandardCharsets.UTF_8);
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * A small file of {@code /proc} as text (its first 8 KiB), read with open, read and close
   * rather than {@code java.nio}, whose reads go through per-thread direct buffers: allocating and
   * releasing those takes the JDK's {@code Cleaner} lock, which its reference-handler thread
   * takes too, at the JVM's priority — the watcher's threads, raised above a fork bomb, would
   * wait for that thread behind the bomb. Without the trailing newline, as {@link #read}. The
   * watcher's reader reads {@code stat} with it; elsewhere {@link #read} does (no JNA there).
   *
   * @param path the file
   * @return its content (UTF-8)
   * @throws IOException when it cannot be opened or read (a process gone: ENOENT, ESRCH)
   */
  public static String readSmall(String path) throws IOException {
    int fd = Posix.open((path + "\0").getBytes(StandardCharsets.UTF_8), 0 /* O_RDONLY */, 0);
    if (fd < 0) {
      throw new IOException(path + ": " + Errno.describe(-fd));
    }
    try {
      // one read: the kernel hands a whole stat line (under 1 KiB) over at once
      byte[] buf = SMALL.get();
      int n = Posix.read(fd, buf);
      if (n < 0) {
        throw new IOException(path + ": " + Errno.describe(-n));
      }
      int len = n > 0 && buf[n - 1] == '\n' ? n - 1 : n;
      return new String(buf, 0, len, StandardCharsets.UTF_8);
    } finally {
      Posix.close(fd);
    }
  }

  /** Each thread's buffer for {@link #readSmall}. */
  private static final ThreadLocal<byte[]> SMALL = ThreadLocal.withInitial(() -> new byte[8192]);

  /**
   * A process's command line, {@code /proc/<pid>/cmdline} split at its NUL bytes.
   *
   * @param pid the process
   * @return its arguments; empty when it is gone, unreadable, or a kernel thread
   */
  public static List<String> cmdline(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      if (b.length == 0) {
        return List.of();
      }
      return java.util.Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * The cgroups a process is in, {@code /proc/<pid>/cgroup}'s paths: one per hierarchy (v1),
   * or the one of v2's unified hierarchy, each once.
   *
   * @param pid the process
   * @return the paths, e.g. {@code /user.slice}; empty when it is gone
   */
  public static List<String> cgroupPaths(long pid) {
    List<String> out = new ArrayList<>(2);
    try {
      for (String line : read(Path.of("/proc/" + pid + "/cgroup")).split("\n")) {
        int colon = line.indexOf(':', line.indexOf(':') + 1);
        if (colon > 0 && !out.contains(line.substring(colon + 1))) {
          out.add(line.substring(colon + 1));
        }
      }
    } catch (IOException e) {
      // gone: in no cgroup
    }
    return out;
  }

  /**
   * The fields of {@code /proc/<pid>/stat} after the command name: index 0 is field 3 (state).
   *
   * @param stat the whole stat line
   * @return the fields from field 3 on
   */
  public static String[] statFields(String stat) {
    int close = stat.lastIndexOf(')');
    return stat.substring(close + 2).trim().split(" ");
  }

  /**
   * The nice value in a stat line (field 19).
   *
   * @param stat the whole stat line
   * @return the nice value
   */
  public static int niceOf(String stat) {
    return Integer.parseInt(statFields(stat)[19 - 3]);
  }

  /**
   * The state letter in a stat line (field 3): R, S, D, T, Z, ...
   *
   * @param stat the whole stat line
   * @return the state
   */
  public static char stateOf(String stat) {
    return statFields(stat)[0].charAt(0);
  }

  /**
   * The nice value of the calling thread (the one that will fork the workload).
   *
   * @return the nice value, or empty if unknown
   */
  public static OptionalLong currentThreadNice() {
    try {
      return OptionalLong.of(niceOf(read(Path.of("/proc/thread-self/stat"))));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * This process's oom_score_adj.
   *
   * @return the value, or empty if unknown
   */
  public static OptionalLong ownOomScoreAdj() {
    try {
      return OptionalLong.of(Long.parseLong(read(Path.of("/proc/self/oom_score_adj")).trim()));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * The real user id of this process.
   *
   * @return the uid, or -1 if unknown
   */
  public static long uid() {
    return uidOf("self");
  }

  /**
   * The real user id of a process.
   *
   * @param pid the process
   * @return the uid, or -1 if unknown (the process is gone)
   */
  public static long uidOf(long pid) {
    return uidOf(Long.toString(pid));
  }

  private static long uidOf(String who) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + who + "/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** PF_KTHREAD in the flags field of stat: a kernel thread. */
  public static final long PF_KTHREAD = 0x00200000L;

  /**
   * The fields of {@code /proc/<pid>/stat} that ffrtmp uses.
   *
   * @param state the state letter (R, S, D, T, Z, ...)
   * @param ppid the parent's pid
   * @param flags the kernel flags (field 9)
   * @param nice the nice value (field 19)
   * @param startTime the start time in clock ticks since boot (field 22): with the pid, it
   *     identifies a process across pid reuse
   * @param session the session id (field 6)
   */
  public record Stat(char state, long ppid, long flags, int nice, long startTime, long session) {
    /**
     * Parses a stat line.
     *
     * @param line the line
     * @return the fields
     */
    public static Stat parse(String line) {
      String[] f = statFields(line);
      return new Stat(
          f[0].charAt(0),
          Long.parseLong(f[4 - 3]),
          Long.parseLong(f[9 - 3]),
          Integer.parseInt(f[19 - 3]),
          Long.parseLong(f[22 - 3]),
          Long.parseLong(f[6 - 3]));
    }

    /**
     * Whether this is a kernel thread.
     *
     * @return true for kernel threads
     */
    public boolean kernelThread() {
      return (flags & PF_KTHREAD) != 0;
    }
  }

  /** This JVM's start time, read once (it does not change). */
  private static volatile long selfStartTime = -1;

  /**
   * This JVM's start time (stat field 22), read once per JVM.
   *
   * @return it, or 0 when it cannot be read
   */
  public static long selfStartTime() {
    long t = selfStartTime;
    if (t < 0) {
      t = stat(ProcessHandle.current().pid()).map(Stat::startTime).orElse(0L);
      selfStartTime = t;
    }
    return t;
  }

  /**
   * Reads {@code /proc/<pid>/stat}.
   *
   * @param pid the process
   * @return its stat, or empty if it does not exist
   */
  public static Optional<Stat> stat(long pid) {
    try {
      return Optional.of(Stat.parse(read(Path.of("/proc/" + pid + "/stat"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * {@link #stat} read with {@link #readSmall}: for the watcher's threads.
   *
   * @param pid the process
   * @return its stat, or empty if it is gone
   */
  public static Optional<Stat> statByRead(long pid) {
    try {
      return Optional.of(Stat.parse(readSmall("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The thread ids of a process.
   *
   * @param pid the process
   * @return its threads (the main thread's id is the pid); empty if it is gone
   */
  public static List<Integer> threads(long pid) {
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path p : ds) {
        out.add(Integer.parseInt(p.getFileName().toString()));
      }
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    return out;
  }

  /**
   * The nice value of one thread.
   *
   * @param pid the process
   * @param tid the thread
   * @return its nice value, or empty if it is gone
   */
  public static OptionalLong threadNice(long pid, long tid) {
    try {
      return OptionalLong.of(niceOf(read(Path.of("/proc/" + pid + "/task/" + tid + "/stat"))));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * Every living descendant of a process, found by walking all of {@code /proc} once.
   *
   * @param pid the process
   * @return the descendants, parents before children
   */
  public static Set<Long> descendants(long pid) {
    Map<Long, List<Long>> children = new HashMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        long child = Long.parseLong(p.getFileName().toString());
        Optional<Stat> st = stat(child);
        if (st.isPresent() && st.get().state() != 'Z') {
          children.computeIfAbsent(st.get().ppid(), k -> new ArrayList<>()).add(child);
        }
      }
    } catch (IOException | RuntimeException e) {
      return Set.of();
    }
    Set<Long> out = new LinkedHashSet<>();
    ArrayDeque<Long> todo = new ArrayDeque<>(List.of(pid));
    while (!todo.isEmpty()) {
      for (long c : children.getOrDefault(todo.poll(), List.of())) {
        if (out.add(c)) {
          todo.add(c);
        }
      }
    }
    return out;
  }
}
