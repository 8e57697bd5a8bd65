package io.ffrtmp.internal.keeper;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Intent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What a later JVM needs of a workload: written by its governing JVM just before the launch
 * ({@code <name>.start}), completed with the pids the moment they are known ({@link
 * #pidLines(Pids)}, appended), and rewritten by a JVM that claims it ({@link
 * StateDir#claim(List, List)}).
 *
 * <p>Format (version 1): {@code key=value} lines as {@link Properties} reads them; a key that
 * occurs twice takes its last value, which is how the appended pids replace the zeros of the
 * first write. A record larger than {@link StateDir#MAX_RECORD} bytes is refused unread.
 *
 * @param name the record's name ({@code <safe job id>.<JVM pid>.<counter>})
 * @param jobId the job id as given
 * @param pids the workload's and the keeper's pid and start time (zeros until the launch)
 * @param governorPid the JVM governing it
 * @param governorStartTime that JVM's start time (stat field 22)
 * @param strategy the backend
 * @param cgroupPath the cgroup, or null
 * @param governance the backend's state, to restore its governance
 * @param command the command; empty for a process adopted in attach mode (it has no keeper:
 *     {@link #attached()})
 * @param constraints the requested constraints
 * @param enforcement what became of them at the start
 * @param warnings the start's warnings
 * @param startedAt when it started
 * @param timeout the timeout, or null
 * @param grace the grace period of the timeout
 * @param intent the intent
 * @param slaEligible whether SLA-worthy
 * @param acknowledged whether the records stay after delivery until the governor acknowledges
 *     the report ({@code withAcknowledgement()})
 */
public record StartRecord(String name, String jobId, Pids pids, long governorPid,
    long governorStartTime, String strategy, @Nullable String cgroupPath,
    Map<String, String> governance, List<String> command, Constraints constraints,
    List<Enforcement> enforcement, List<String> warnings, Instant startedAt,
    @Nullable Duration timeout, Duration grace, Intent intent, boolean slaEligible,
    boolean acknowledged) {

  /**
   * The workload's and its keeper's pid and start time.
   *
   * @param pid the workload's pid, 0 until known
   * @param startTime its start time (stat field 22): the guard against pid reuse
   * @param keeperPid the keeper's pid, 0 until known
   * @param keeperStartTime the keeper's start time
   */
  public record Pids(long pid, long startTime, long keeperPid, long keeperStartTime) {
    /** Nothing known yet: the record of a launch that has not happened. */
    public static final Pids NONE = new Pids(0, 0, 0, 0);

    /**
     * Whether the launch got as far as the fork.
     *
     * @return true once the pids are known
     */
    public boolean known() {
      return pid > 0 && keeperPid > 0;
    }
  }

  /**
   * Whether the record is of a process adopted in attach mode: it has no keeper (its pids are
   * the process's, the keeper's are 0) and no exit record; its exit status is never known.
   *
   * @return true for attach mode
   */
  public boolean attached() {
    return command.isEmpty();
  }

  /**
   * The same record, governed by another JVM.
   *
   * @param pid the new governor's pid
   * @param startTime its start time
   * @return the record
   */
  public StartRecord governedBy(long pid, long startTime) {
    return new StartRecord(name, jobId, pids, pid, startTime, strategy, cgroupPath, governance,
        command, constraints, enforcement, warnings, startedAt, timeout, grace, intent,
        slaEligible, acknowledged);
  }

  /**
   * The same record with its pids.
   *
   * @param p the pids
   * @return the record
   */
  public StartRecord withPids(Pids p) {
    return new StartRecord(name, jobId, p, governorPid, governorStartTime, strategy, cgroupPath,
        governance, command, constraints, enforcement, warnings, startedAt, timeout, grace,
        intent, slaEligible, acknowledged);
  }

  /**
   * The record's text.
   *
   * @return the bytes to write
   */
  byte[] format() {
    StringBuilder p = new StringBuilder(1024);
    put(p, "version", "1");
    put(p, "mode", attached() ? "attach" : "run"); // for a reader: the command says it
    put(p, "job_id", jobId);
    p.append(pidLines(pids));
    put(p, "governor_pid", Long.toString(governorPid));
    put(p, "governor_start_time", Long.toString(governorStartTime));
    put(p, "strategy", strategy);
    if (cgroupPath != null) {
      put(p, "cgroup_path", cgroupPath);
    }
    governance.forEach((k, v) -> put(p, "governance." + k, v));
    for (int i = 0; i < command.size(); i++) {
      put(p, "command." + i, command.get(i));
    }
    for (Constraint c : Constraint.values()) {
      put(p, "constraint." + c.key(), constraints.text(c));
    }
    for (int i = 0; i < enforcement.size(); i++) {
      Enforcement e = enforcement.get(i);
      put(p, "enforcement." + i + ".constraint", e.constraint().key());
      put(p, "enforcement." + i + ".status", e.status().name());
      put(p, "enforcement." + i + ".mechanism", e.mechanism());
      put(p, "enforcement." + i + ".detail", e.detail());
    }
    for (int i = 0; i < warnings.size(); i++) {
      put(p, "warning." + i, warnings.get(i));
    }
    put(p, "started_at", startedAt.toString());
    if (timeout != null) {
      put(p, "timeout", timeout.toString());
    }
    put(p, "grace", grace.toString());
    put(p, "intent", intent.name());
    put(p, "sla_eligible", Boolean.toString(slaEligible));
    if (acknowledged) {
      put(p, "acknowledged", "true");
    }
    return p.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * The pid lines, as written first (zeros) and appended once the pids are known.
   *
   * @param pids the pids
   * @return the lines
   */
  static String pidLines(Pids pids) {
    return "pid=" + pids.pid() + "\nstart_time=" + pids.startTime() + "\nkeeper_pid="
        + pids.keeperPid() + "\nkeeper_start_time=" + pids.keeperStartTime() + "\n";
  }

  /**
   * Parses a record.
   *
   * @param name the record's name
   * @param content its bytes
   * @return the record
   * @throws IOException naming what is wrong
   */
  static StartRecord parse(String name, byte[] content) throws IOException {
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(content));
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt: " + e.getMessage(), e);
    }
    try {
      if (!"1".equals(p.getProperty("version"))) {
        throw new IllegalArgumentException("unknown version " + p.getProperty("version"));
      }
      Map<String, String> governance = new LinkedHashMap<>();
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith("governance.")) {
          governance.put(k.substring("governance.".length()), p.getProperty(k));
        }
      }
      List<String> command = new ArrayList<>();
      for (int i = 0; p.getProperty("command." + i) != null; i++) {
        command.add(p.getProperty("command." + i));
      }
      Constraints.Builder c = Constraints.builder();
      for (Constraint k : Constraint.values()) {
        // a constraint newer than the record's writer: it was not requested
        String v = p.getProperty("constraint." + k.key());
        if (v != null) {
          c.setText(k, v);
        }
      }
      List<Enforcement> enforcement = new ArrayList<>();
      for (int i = 0; p.getProperty("enforcement." + i + ".constraint") != null; i++) {
        // an entry of a constraint this version does not know (a newer writer's, or an older
        // version's "cgroup" entry) is left out
        Constraint k = known(p.getProperty("enforcement." + i + ".constraint"));
        if (k != null) {
          enforcement.add(new Enforcement(k,
              EnforcementStatus.valueOf(required(p, "enforcement." + i + ".status")),
              required(p, "enforcement." + i + ".mechanism"),
              required(p, "enforcement." + i + ".detail")));
        }
      }
      List<String> warnings = new ArrayList<>();
      for (int i = 0; p.getProperty("warning." + i) != null; i++) {
        warnings.add(p.getProperty("warning." + i));
      }
      String timeout = p.getProperty("timeout");
      Pids pids = new Pids(num(p, "pid"), num(p, "start_time"), num(p, "keeper_pid"),
          num(p, "keeper_start_time"));
      return new StartRecord(name, required(p, "job_id"), pids, num(p, "governor_pid"),
          num(p, "governor_start_time"), required(p, "strategy"), p.getProperty("cgroup_path"),
          governance, command, c.build(), enforcement, warnings,
          Instant.parse(required(p, "started_at")),
          timeout == null ? null : Duration.parse(timeout), Duration.parse(required(p, "grace")),
          Intent.valueOf(required(p, "intent")),
          Boolean.parseBoolean(required(p, "sla_eligible")),
          Boolean.parseBoolean(p.getProperty("acknowledged", "false")));
    } catch (RuntimeException e) {
      throw new IOException("corrupt: " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("no " + key);
    }
    return v;
  }

  private static long num(Properties p, String key) {
    return Long.parseLong(required(p, key));
  }

  /**
   * One {@code key=value} line as {@link Properties#store(OutputStream, String)} writes it, so
   * that {@link Properties#load(InputStream)} reads it back: {@code \}, {@code =}, {@code :},
   * {@code #}, {@code !}, control characters and a value's leading space escaped, everything
   * outside printable ASCII as a backslash, {@code u} and four hex digits. (Written here rather
   * than by {@code Properties.store}, which also formats a date comment: see PERFORMANCE.md.)
   *
   * @param out where to append
   * @param key the key
   * @param value the value
   */
  static void put(StringBuilder out, String key, String value) {
    escape(out, key, true);
    out.append('=');
    escape(out, value, false);
    out.append('\n');
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static void escape(StringBuilder out, String s, boolean isKey) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case ' ':
          if (i == 0 || isKey) {
            out.append('\\');
          }
          out.append(' ');
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\\':
        case '=':
        case ':':
        case '#':
        case '!':
          out.append('\\').append(c);
          break;
        default:
          if (c < 0x20 || c > 0x7e) {
            out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
      }
    }
  }

  /**
   * The constraint with a report key, if this version knows it.
   *
   * @param key the key
   * @return the constraint, or null
   */
  static @Nullable Constraint known(@Nullable String key) {
    try {
      return key == null ? null : Constraint.ofKey(key);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

}
