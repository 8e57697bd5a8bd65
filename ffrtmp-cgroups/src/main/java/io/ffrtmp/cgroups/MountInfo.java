package io.ffrtmp.cgroups;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses {@code /proc/self/mountinfo}: the cgroup and cgroup2 mounts, with their options.
 *
 * @param mounts the cgroup mounts, in file order
 */
public record MountInfo(List<Mount> mounts) {

  /**
   * One mount.
   *
   * @param root the mount's root within its file system (field 4), e.g. {@code /}
   * @param mountPoint where it is mounted (field 5)
   * @param fsType {@code cgroup} or {@code cgroup2}
   * @param superOptions the super options, e.g. {@code rw,cpu,cpuacct}
   * @param mountOptions the mount's own options (field 6), e.g. {@code ro,nosuid,nodev}: a bind
   *     mount or a container's {@code /sys/fs/cgroup} may be read-only while its file system is
   *     not
   */
  public record Mount(String root, String mountPoint, String fsType, List<String> superOptions,
      List<String> mountOptions) {

    /**
     * Whether this mount, or its file system, is read-only.
     *
     * @return true for {@code ro} in either option list
     */
    public boolean readOnly() {
      return mountOptions.contains("ro") || superOptions.contains("ro");
    }

    /**
     * The v1 controllers of this hierarchy (named hierarchies such as {@code name=systemd} have
     * none).
     *
     * @return e.g. {@code [cpu, cpuacct]}
     */
    public List<String> controllers() {
      List<String> out = new ArrayList<>();
      for (String o : superOptions) {
        if (V1_CONTROLLERS.contains(o)) {
          out.add(o);
        }
      }
      return out;
    }
  }

  /** Names of cgroup v1 controllers, to tell them apart from mount options. */
  public static final Set<String> V1_CONTROLLERS =
      Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio",
          "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc");

  /**
   * Parses the text of a mountinfo file.
   *
   * @param text the file's content
   * @return the cgroup mounts
   */
  public static MountInfo parse(String text) {
    List<Mount> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.split(" ");
      int dash = -1;
      for (int i = 6; i < f.length; i++) {
        if (f[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (dash < 0 || dash + 3 >= f.length) {
        continue;
      }
      String type = f[dash + 1];
      if (!type.equals("cgroup") && !type.equals("cgroup2")) {
        continue;
      }
      out.add(new Mount(unescape(f[3]), unescape(f[4]), type, List.of(f[dash + 3].split(",")),
          List.of(f[5].split(","))));
    }
    return new MountInfo(List.copyOf(out));
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
