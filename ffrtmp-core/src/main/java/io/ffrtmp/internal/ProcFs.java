package io.ffrtmp.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

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
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
