package io.ffrtmp.internal.keeper;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.WorkloadUpdate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The changes of a running workload's constraints ({@code <name>.updates}), appended by
 * whichever process made one — the governing JVM, or {@code ffrtmp update} in another — and
 * read by whoever builds the report, so that the report lists every update whoever made it.
 *
 * <p>Format (version 1): {@code key=value} lines as {@link Properties} reads them, each update
 * under its own prefix {@code update.<id>.}, where the id (its time and its maker's pid) is
 * unique, so that writers need not know of each other: {@code at}, {@code by}, {@code
 * requested.<constraint key>}, and {@code enforcement.<i>.constraint|status|mechanism|detail}.
 * Each update is appended in one write.
 */
public final class UpdateRecord {
  private UpdateRecord() {}

  /**
   * One update's lines.
   *
   * @param u the update
   * @return the bytes to append
   */
  static byte[] format(WorkloadUpdate u) {
    String id = "update." + u.at().getEpochSecond() + "-" + u.at().getNano() + "-" + u.by()
        + ".";
    StringBuilder b = new StringBuilder(512);
    StartRecord.put(b, id + "at", u.at().toString());
    StartRecord.put(b, id + "by", Long.toString(u.by()));
    u.requested().forEach((c, v) -> StartRecord.put(b, id + "requested." + c.key(), v));
    for (int i = 0; i < u.enforcement().size(); i++) {
      Enforcement e = u.enforcement().get(i);
      StartRecord.put(b, id + "enforcement." + i + ".constraint", e.constraint().key());
      StartRecord.put(b, id + "enforcement." + i + ".status", e.status().name());
      StartRecord.put(b, id + "enforcement." + i + ".mechanism", e.mechanism());
      StartRecord.put(b, id + "enforcement." + i + ".detail", e.detail());
    }
    return b.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * Parses the updates of a file, oldest first.
   *
   * @param content the file's bytes
   * @return the updates
   * @throws IOException naming what is wrong
   */
  static List<WorkloadUpdate> parse(byte[] content) throws IOException {
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(content));
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt: " + e.getMessage(), e);
    }
    TreeSet<String> ids = new TreeSet<>();
    for (String k : p.stringPropertyNames()) {
      if (k.startsWith("update.") && k.endsWith(".at")) {
        ids.add(k.substring(0, k.length() - "at".length()));
      }
    }
    List<WorkloadUpdate> out = new ArrayList<>();
    try {
      for (String id : ids) {
        Map<Constraint, String> requested = new EnumMap<>(Constraint.class);
        for (Constraint c : Constraint.values()) {
          String v = p.getProperty(id + "requested." + c.key());
          if (v != null) {
            requested.put(c, c.isText() ? c.checkValidText(v)
                : Long.toString(c.checkValidNumber(v)));
          }
        }
        List<Enforcement> entries = new ArrayList<>();
        for (int i = 0; p.getProperty(id + "enforcement." + i + ".constraint") != null; i++) {
          String e = id + "enforcement." + i + ".";
          io.ffrtmp.Constraint k = StartRecord.known(p.getProperty(e + "constraint"));
          if (k != null) {
            entries.add(new Enforcement(k,
                EnforcementStatus.valueOf(p.getProperty(e + "status")),
                String.valueOf(p.getProperty(e + "mechanism")),
                String.valueOf(p.getProperty(e + "detail"))));
          }
        }
        out.add(new WorkloadUpdate(Instant.parse(p.getProperty(id + "at")), requested, entries,
            Long.parseLong(String.valueOf(p.getProperty(id + "by")))));
      }
    } catch (RuntimeException e) {
      throw new IOException("corrupt: " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(WorkloadUpdate::at));
    return out;
  }
}
