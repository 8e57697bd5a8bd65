package io.ffrtmp.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Derives a cgroup directory name from any job id: {@code ffrtmp-wrapper-<safe id>}.
 *
 * <p>Rule: characters outside {@code [A-Za-z0-9._-]} become {@code _}; the safe part is cut to
 * 200 bytes; when anything was replaced or cut, {@code -<8 hex digits of SHA-256 of the id>} is
 * appended, so that different ids stay different. The result never contains {@code /} or NUL,
 * is never {@code .} or {@code ..} (it starts with the prefix), and is at most 224 bytes, which
 * leaves room for the {@code -<n>} suffix that keeps two concurrent runs of the same id apart.
 */
public final class CgroupNames {
  /** The prefix of every cgroup the project creates. */
  public static final String PREFIX = "ffrtmp-wrapper-";

  private static final int MAX_SAFE = 200;

  private CgroupNames() {}

  /**
   * The cgroup name for a job id.
   *
   * @param jobId any text
   * @return a safe directory name
   */
  public static String forJob(String jobId) {
    StringBuilder safe = new StringBuilder(Math.min(jobId.length(), MAX_SAFE));
    boolean changed = false;
    for (int i = 0; i < jobId.length(); i++) {
      char c = jobId.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (safe.length() == MAX_SAFE) {
        changed = true;
        break;
      }
      safe.append(ok ? c : '_');
      changed |= !ok;
    }
    if (changed) {
      safe.append('-').append(hash(jobId));
    }
    return PREFIX + safe;
  }

  /**
   * The name for the {@code n}-th concurrent workload of the same job id ({@code n >= 2}).
   *
   * @param base the name from {@link #forJob(String)}
   * @param n the attempt number
   * @return {@code base-n}
   */
  public static String withSuffix(String base, int n) {
    return base + "-" + n;
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder h = new StringBuilder();
      for (int i = 0; i < 4; i++) {
        h.append(String.format("%02x", d[i]));
      }
      return h.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
