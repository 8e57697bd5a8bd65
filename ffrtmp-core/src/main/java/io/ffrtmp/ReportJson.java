package io.ffrtmp;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Renders a {@link WorkloadReport} as JSON with the specification's keys, in its order. */
final class ReportJson {
  private ReportJson() {}

  /**
   * Renders a report.
   *
   * @param r the report
   * @return one line of JSON
   */
  static String write(WorkloadReport r) {
    StringBuilder b = new StringBuilder(1024);
    b.append('{');
    field(b, "job_id").append(str(r.jobId())).append(',');
    field(b, "mode").append(str(r.mode().wireName())).append(',');
    field(b, "intent").append(str(r.intent().wireName())).append(',');
    field(b, "sla_eligible").append(r.slaEligible()).append(',');
    field(b, "pid").append(r.pid()).append(',');
    field(b, "command");
    List<String> cmd = r.command();
    if (cmd == null) {
      b.append("null");
    } else {
      b.append('[');
      for (int i = 0; i < cmd.size(); i++) {
        b.append(i == 0 ? "" : ",").append(str(cmd.get(i)));
      }
      b.append(']');
    }
    b.append(',');
    field(b, "strategy").append(str(r.strategy())).append(',');
    field(b, "cgroup_path").append(str(r.cgroupPath())).append(',');
    field(b, "started_at").append(str(r.startedAt().toString())).append(',');
    field(b, "ended_at").append(str(r.endedAt().toString())).append(',');
    field(b, "duration_sec").append(num(r.durationSec())).append(',');
    field(b, "exit_code").append(r.exitCode() == null ? "null" : r.exitCode().toString());
    b.append(',');
    field(b, "exit_reason").append(str(r.exitReason().wireName())).append(',');
    field(b, "signal").append(str(r.signal())).append(',');
    constraints(b, r.constraints()).append(',');
    enforcement(b, r.enforcement()).append(',');
    field(b, "updates").append('[');
    for (int i = 0; i < r.updates().size(); i++) {
      update(b.append(i == 0 ? "" : ","), r.updates().get(i));
    }
    b.append("],");
    usage(b, r.usage()).append(',');
    field(b, "warnings").append('[');
    for (int i = 0; i < r.warnings().size(); i++) {
      b.append(i == 0 ? "" : ",").append(str(r.warnings().get(i)));
    }
    b.append("],");
    field(b, "platform_sla_compliant").append(r.platformSlaCompliant()).append(',');
    field(b, "platform_sla_reason").append(str(r.platformSlaReason()));
    return b.append('}').toString();
  }

  /** The {@code usage} object with its key. */
  private static StringBuilder usage(StringBuilder b, Usage u) {
    field(b, "usage").append('{');
    field(b, "cpu_user_sec").append(num(u.cpuUserSec())).append(',');
    field(b, "cpu_system_sec").append(num(u.cpuSystemSec())).append(',');
    field(b, "cpu_throttled_sec").append(num(u.cpuThrottledSec())).append(',');
    field(b, "memory_peak_bytes").append(u.memoryPeakBytes()).append(',');
    field(b, "oom_kills").append(u.oomKills()).append(',');
    field(b, "io_read_bytes").append(u.ioReadBytes()).append(',');
    field(b, "io_write_bytes").append(u.ioWriteBytes()).append(',');
    field(b, "memory_current_bytes").append(u.memoryCurrentBytes()).append(',');
    field(b, "swap_current_bytes").append(u.swapCurrentBytes()).append(',');
    field(b, "pids_current").append(u.pidsCurrent()).append(',');
    field(b, "pids_limit_hits").append(u.pidsLimitHits()).append(',');
    field(b, "memory_high_events").append(u.memoryHighEvents()).append(',');
    field(b, "pressure");
    Pressure p = u.pressure();
    if (p == null) {
      b.append("null");
    } else {
      b.append('{');
      resource(b, "cpu", p.cpuSome(), p.cpuFull()).append(',');
      resource(b, "memory", p.memorySome(), p.memoryFull()).append(',');
      resource(b, "io", p.ioSome(), p.ioFull()).append('}');
    }
    return b.append('}');
  }

  private static StringBuilder resource(StringBuilder b, String name,
      Pressure.@Nullable Stall some, Pressure.@Nullable Stall full) {
    field(b, name).append('{');
    stall(b, "some", some).append(',');
    return stall(b, "full", full).append('}');
  }

  private static StringBuilder stall(StringBuilder b, String kind, Pressure.@Nullable Stall s) {
    field(b, kind);
    if (s == null) {
      return b.append("null");
    }
    b.append('{');
    field(b, "avg10").append(num(s.avg10())).append(',');
    field(b, "avg60").append(num(s.avg60())).append(',');
    field(b, "avg300").append(num(s.avg300())).append(',');
    return field(b, "total_usec").append(s.totalUsec()).append('}');
  }

  /**
   * Renders a usage snapshot.
   *
   * @param u the usage
   * @return one line of JSON: the report's {@code usage} object
   */
  static String write(Usage u) {
    StringBuilder b = usage(new StringBuilder(256), u);
    return b.substring(b.indexOf("{"));
  }

  /** An {@code enforcement} array with its key. */
  private static StringBuilder enforcement(StringBuilder b, List<Enforcement> entries) {
    field(b, "enforcement").append('[');
    for (int i = 0; i < entries.size(); i++) {
      Enforcement e = entries.get(i);
      b.append(i == 0 ? "{" : ",{");
      field(b, "constraint").append(str(e.constraint().key())).append(',');
      field(b, "status").append(str(e.status().wireName())).append(',');
      field(b, "mechanism").append(str(e.mechanism())).append(',');
      field(b, "detail").append(str(e.detail())).append('}');
    }
    return b.append(']');
  }

  /** One element of {@code updates}. */
  private static StringBuilder update(StringBuilder b, WorkloadUpdate u) {
    b.append('{');
    field(b, "at").append(str(u.at().toString())).append(',');
    field(b, "by").append(u.by()).append(',');
    field(b, "requested").append('{');
    boolean first = true;
    for (java.util.Map.Entry<Constraint, String> e : u.requested().entrySet()) {
      b.append(first ? "" : ",");
      field(b, e.getKey().key()).append(e.getKey().isText() ? str(e.getValue()) : e.getValue());
      first = false;
    }
    b.append("},");
    return enforcement(b, u.enforcement()).append('}');
  }

  /**
   * Renders an update.
   *
   * @param u the update
   * @return one line of JSON
   */
  static String write(WorkloadUpdate u) {
    return update(new StringBuilder(256), u).toString();
  }

  /**
   * Renders an entry of {@link Workload#recoverable()}.
   *
   * @param r the entry
   * @return one line of JSON
   */
  static String write(io.ffrtmp.Recoverable r) {
    StringBuilder b = new StringBuilder(256);
    b.append('{');
    field(b, "job_id").append(str(r.jobId())).append(',');
    field(b, "pid").append(r.pid()).append(',');
    field(b, "state").append(str(r.state().key())).append(',');
    field(b, "exit_code").append(r.exitCode() == null ? "null" : r.exitCode().toString());
    b.append(',');
    field(b, "governor_pid").append(r.governorPid() == 0 ? "null"
        : Long.toString(r.governorPid())).append(',');
    field(b, "strategy").append(str(r.strategy())).append(',');
    field(b, "cgroup_path").append(str(r.cgroupPath())).append(',');
    field(b, "started_at").append(str(r.startedAt().toString())).append(',');
    constraints(b, r.constraints());
    return b.append('}').toString();
  }

  /** The {@code constraints} object, every key in {@link Constraint}'s order. */
  private static StringBuilder constraints(StringBuilder b, Constraints c) {
    field(b, "constraints").append('{');
    for (Constraint k : Constraint.values()) {
      field(b, k.key()).append(k.isText() ? str(c.text(k)) : Long.toString(c.get(k))).append(k.ordinal() + 1 < Constraint.values().length
          ? "," : "}");
    }
    return b;
  }

  private static StringBuilder field(StringBuilder b, String key) {
    return b.append('"').append(key).append("\":");
  }

  private static String num(@Nullable Double d) {
    if (d == null || d.isNaN() || d.isInfinite()) {
      return "null";
    }
    return String.format(Locale.ROOT, "%.3f", d);
  }

  /**
   * A JSON string literal, or {@code null}.
   *
   * @param s the text
   * @return the literal
   */
  static String str(@Nullable String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c)
              && !validSurrogate(s, i)) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    return b.append('"').toString();
  }

  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
