package io.ffrtmp.cgroups;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writing limits with read-back and reset, and reading counters, the same way for v1 and v2. */
public final class ControlFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ControlFiles.class);

  private ControlFiles() {}

  /** How a control file's content is written: as one write, or (per-device limits) line by line. */
  @FunctionalInterface
  public interface Writer {
    /**
     * Writes the content.
     *
     * @param file the control file
     * @param content the content
     * @throws IOException when the kernel refuses it
     */
    void write(Path file, String content) throws IOException;
  }

  /**
   * Writes a limit and reads it back. When the kernel refuses it or reads back something else,
   * the file is reset to its default and the constraint recorded as failed.
   *
   * @param fs the cgroupfs
   * @param constraint the report key, e.g. {@code cpu_quota}
   * @param file the control file
   * @param value what to write
   * @param defaultValue what a new cgroup holds there (written back on failure), or null
   * @param accepted whether the file's content after the write shows the value
   * @return the enforcement entry
   */
  public static Enforcement write(CgroupFs fs, Constraint constraint, Path file, String value,
      @Nullable String defaultValue, Predicate<String> accepted) {
    return write(fs, fs::write, constraint, file, value, defaultValue, accepted);
  }

  /**
   * {@link #write(CgroupFs, Constraint, Path, String, String, Predicate)} through a writer of the
   * file's form (the value and the default both go through it).
   *
   * @param fs the cgroupfs, to read back
   * @param writer how the file is written
   * @param constraint the report key
   * @param file the control file
   * @param value what to write
   * @param defaultValue what a new cgroup holds there (written back on failure), or null
   * @param accepted whether the file's content after the write shows the value
   * @return the enforcement entry
   */
  public static Enforcement write(CgroupFs fs, Writer writer, Constraint constraint, Path file,
      String value, @Nullable String defaultValue, Predicate<String> accepted) {
    return writeAndRead(fs, writer, constraint, file, value, accepted,
        () -> resetToDefault(writer, file, defaultValue));
  }

  /**
   * The write and its read-back, written once: on a refusal or a read-back that does not show
   * the value, {@code undo} puts something back and says what, for the entry's detail.
   */
  private static Enforcement writeAndRead(CgroupFs fs, Writer writer, Constraint constraint,
      Path file, String value, Predicate<String> accepted,
      java.util.function.Supplier<String> undo) {
    String name = file.getFileName().toString();
    String problem;
    try {
      writer.write(file, value);
      String back = fs.read(file);
      if (accepted.test(back)) {
        return new Enforcement(constraint, EnforcementStatus.APPLIED, name, value);
      }
      problem = "wrote " + value + ", kernel reads back " + back.trim();
    } catch (IOException e) {
      problem = "writing " + value + " failed: " + CgroupFs.reason(e);
    }
    return new Enforcement(constraint, EnforcementStatus.FAILED, name, problem + undo.get());
  }

  /**
   * Changes a limit of a running workload and reads it back. When the kernel refuses it or reads
   * back something else, the previous content is written back — the workload keeps the limit
   * it had — and the constraint is recorded as failed.
   *
   * @param fs the cgroupfs
   * @param constraint the report key
   * @param file the control file
   * @param value what to write
   * @param previous what the file held, in writable form
   * @param accepted whether the file's content after the write shows the value
   * @return the enforcement entry
   */
  public static Enforcement change(CgroupFs fs, Constraint constraint, Path file, String value,
      String previous, Predicate<String> accepted) {
    return change(fs, fs::write, constraint, file, value, previous, accepted);
  }

  /**
   * {@link #change(CgroupFs, Constraint, Path, String, String, Predicate)} through a writer of the
   * file's form.
   *
   * @param fs the cgroupfs, to read back
   * @param writer how the file is written
   * @param constraint the report key
   * @param file the control file
   * @param value what to write
   * @param previous what the file held, in writable form
   * @param accepted whether the file's content after the write shows the value
   * @return the enforcement entry
   */
  public static Enforcement change(CgroupFs fs, Writer writer, Constraint constraint, Path file,
      String value, String previous, Predicate<String> accepted) {
    return writeAndRead(fs, writer, constraint, file, value, accepted,
        () -> putBack(writer, file, previous));
  }

  /**
   * Writes a file's previous content back.
   *
   * @param fs the cgroupfs
   * @param file the file
   * @param previous its previous content
   * @return the words for an entry's detail: {@code ; the previous value X kept}, or why not
   */
  public static String putBack(CgroupFs fs, Path file, String previous) {
    return putBack(fs::write, file, previous);
  }

  /**
   * Writes a file's previous content back through a writer of the file's form.
   *
   * @param writer how the file is written
   * @param file the file
   * @param previous its previous content
   * @return the words for an entry's detail, as {@link #putBack(CgroupFs, Path, String)}
   */
  public static String putBack(Writer writer, Path file, String previous) {
    try {
      writer.write(file, previous);
      return "; the previous value " + shown(file, previous) + " kept";
    } catch (IOException e) {
      LOG.warn("could not put {} back to {}: {}", file, previous, CgroupFs.reason(e));
      return "; could not put back the previous value " + shown(file, previous) + " ("
          + CgroupFs.reason(e) + ")";
    }
  }

  /**
   * After a write that did not take (refused, or read back different — a short write can leave
   * a far stricter value than asked), puts the kernel's default back, so that a constraint
   * recorded as failed is not in force in some other form.
   */
  private static String resetToDefault(Writer writer, Path file,
      @Nullable String defaultValue) {
    if (defaultValue == null) {
      return "";
    }
    try {
      writer.write(file, defaultValue);
      return "; reset to the default " + shown(file, defaultValue);
    } catch (IOException e) {
      LOG.warn("could not reset {} to {}: {}", file, defaultValue, CgroupFs.reason(e));
      return "; could not reset it to the default " + defaultValue + " (" + CgroupFs.reason(e)
          + ")";
    }
  }

  /** A file's content in an entry's words: empty is the parent's set, or no limit. */
  private static String shown(Path file, String content) {
    if (!content.isEmpty()) {
      return content;
    }
    return file.getFileName().toString().startsWith("cpuset.") ? "(empty: the parent's set)"
        : "(empty: no limit)";
  }

  /**
   * The warning for each constraint not in force, in the words the CLI prints.
   *
   * @param entries the enforcement entries
   * @return {@code Cannot enforce <constraint>: <detail>} for each degraded or failed one
   */
  public static List<String> warnings(List<Enforcement> entries) {
    List<String> out = new ArrayList<>();
    for (Enforcement e : entries) {
      if (!e.enforced()) {
        out.add("Cannot enforce " + e.constraint() + ": " + e.detail());
      }
    }
    return out;
  }

  /**
   * Reads a control file, or null when it cannot be read.
   *
   * @param fs the cgroupfs
   * @param file the file
   * @return its content, or null
   */
  public static @Nullable String readText(CgroupFs fs, Path file) {
    try {
      return fs.read(file);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The pids a {@code cgroup.procs} file lists now; none when it cannot be read (the cgroup is
   * gone).
   *
   * @param fs the cgroupfs
   * @param procs the {@code cgroup.procs} file
   * @return the pids, in a list the caller may change
   */
  public static List<Long> pids(CgroupFs fs, Path procs) {
    List<Long> out = new java.util.ArrayList<>();
    String text = readText(fs, procs);
    if (text != null) {
      for (String line : text.split("\n")) {
        if (!line.isBlank()) {
          out.add(Long.parseLong(line.trim()));
        }
      }
    }
    return out;
  }

  /**
   * Reads a control file holding one number, or null when it cannot be read or parsed.
   *
   * @param fs the cgroupfs
   * @param file the file
   * @return the number, or null
   */
  public static @Nullable Long readLong(CgroupFs fs, Path file) {
    String s = readText(fs, file);
    try {
      return s == null ? null : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * A counter in seconds.
   *
   * @param value the counter, or null
   * @param perSecond its units per second (1e9 for nanoseconds, 1e6 for microseconds)
   * @return seconds, or null
   */
  public static @Nullable Double seconds(@Nullable Long value, double perSecond) {
    return value == null ? null : value / perSecond;
  }

  /**
   * Reads a {@code key value} line from a flat-keyed control file such as {@code cpu.stat}.
   *
   * @param text the content
   * @param key the key
   * @return the value, or null when absent
   */
  public static @Nullable Long keyed(String text, String key) {
    for (String line : text.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0 && line.substring(0, sp).equals(key)) {
        return Long.parseLong(line.substring(sp + 1).trim());
      }
    }
    return null;
  }

  /**
   * Reads one key of a flat-keyed control file, or null when the file cannot be read or lacks
   * the key.
   *
   * @param fs the cgroupfs
   * @param file the file
   * @param key the key
   * @return the value, or null
   */
  public static @Nullable Long readKeyed(CgroupFs fs, Path file, String key) {
    String s = readText(fs, file);
    return s == null ? null : keyed(s, key);
  }
}
