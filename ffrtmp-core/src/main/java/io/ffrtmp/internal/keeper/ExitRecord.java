package io.ffrtmp.internal.keeper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the keeper recorded when the workload ended ({@code <name>.exit}, written by the shim in
 * C: {@code write_record} in {@code ffrtmp-shim.c}, to a temporary file renamed into place).
 *
 * <p>Format (version 1), one item per line: {@code ffrtmp-exit 1}, {@code pid <pid>}, {@code
 * exited <code>} or {@code signaled <signal>}, {@code ended <epoch seconds> <nanoseconds>},
 * then per counter file {@code file <length> <path>} followed by exactly that many bytes of its
 * content and a newline, and {@code end} last. The keeper's buffer bounds it (64 KiB of counters).
 *
 * @param pid the workload's pid
 * @param exitCode its exit code, or null when a signal ended it
 * @param signal the signal that ended it, or null
 * @param endedAt when it ended (the keeper's clock, the moment it reaped the workload)
 * @param counters counter file to its content at the end
 */
public record ExitRecord(long pid, @Nullable Integer exitCode, @Nullable Integer signal,
    Instant endedAt, Map<String, String> counters) {

  /**
   * The exit status as the JDK reports it: the code, or 128 + the signal.
   *
   * @return the status
   */
  public int exitValue() {
    return exitCode != null ? exitCode : 128 + (signal == null ? 0 : signal);
  }

  /**
   * Parses an exit record.
   *
   * @param b its bytes
   * @return the record
   * @throws IOException naming what is wrong
   */
  static ExitRecord parse(byte[] b) throws IOException {
    try {
      long pid = 0;
      Integer code = null;
      Integer signal = null;
      Instant ended = null;
      Map<String, String> counters = new LinkedHashMap<>();
      int i = 0;
      while (i < b.length) {
        int nl = indexOf(b, (byte) '\n', i);
        String line = new String(b, i, nl - i, StandardCharsets.UTF_8);
        i = nl + 1;
        String[] f = line.split(" ", 3);
        switch (f[0]) {
          case "ffrtmp-exit":
            if (!"1".equals(f.length > 1 ? f[1] : null)) {
              throw new IllegalArgumentException("unknown version " + line);
            }
            break;
          case "pid":
            pid = Long.parseLong(f[1]);
            break;
          case "exited":
            code = Integer.parseInt(f[1]);
            break;
          case "signaled":
            signal = Integer.parseInt(f[1]);
            break;
          case "ended":
            ended = Instant.ofEpochSecond(Long.parseLong(f[1]), Long.parseLong(f[2]));
            break;
          case "file":
            int len = Integer.parseInt(f[1]);
            if (len < 0 || len > b.length - i) {
              throw new IllegalArgumentException("a counter longer than the record");
            }
            String content = new String(b, i, len, StandardCharsets.UTF_8);
            counters.put(f[2], content.endsWith("\n")
                ? content.substring(0, content.length() - 1) : content);
            i += len + 1;
            break;
          case "end":
            if (ended == null || (code == null) == (signal == null)) {
              throw new IllegalArgumentException("incomplete");
            }
            return new ExitRecord(pid, code, signal, ended, counters);
          default:
            throw new IllegalArgumentException("unknown line " + line);
        }
      }
      throw new IllegalArgumentException("no end line");
    } catch (RuntimeException e) {
      throw new IOException("corrupt: " + e, e);
    }
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return b.length;
  }
}
