package io.ffrtmp.cgroups;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Parses {@code /proc/<pid>/cgroup}: which cgroup a process is in, per v1 controller and in the
 * v2 hierarchy.
 *
 * @param v1 cgroup path per v1 controller (co-mounted controllers appear under each name)
 * @param v2 the path in the v2 hierarchy ({@code 0::/path}), or null
 */
public record ProcCgroup(Map<String, String> v1, @Nullable String v2) {

  /**
   * Parses the file's text.
   *
   * @param text the content
   * @return the parsed memberships
   */
  public static ProcCgroup parse(String text) {
    Map<String, String> v1 = new LinkedHashMap<>();
    String v2 = null;
    for (String line : text.split("\n")) {
      int a = line.indexOf(':');
      int b = a < 0 ? -1 : line.indexOf(':', a + 1);
      if (b < 0) {
        continue;
      }
      String ctrls = line.substring(a + 1, b);
      String path = line.substring(b + 1);
      if (line.startsWith("0:") && ctrls.isEmpty()) {
        v2 = path;
      } else {
        for (String c : ctrls.split(",")) {
          if (!c.isEmpty()) {
            v1.put(c, path);
          }
        }
      }
    }
    return new ProcCgroup(Map.copyOf(v1), v2);
  }
}
