package io.ffrtmp.cgroups;

import static java.util.Objects.requireNonNull;

import java.util.function.LongFunction;

/**
 * One control-file write that carries (part of) a constraint: the file, the formula from the
 * constraint's value to the file's content, and what a new cgroup holds there (written back
 * when the write does not take).
 *
 * @param controller the controller whose hierarchy holds the file (cgroup v1; under v2 every
 *     file is in the workload's one directory)
 * @param file the control file, e.g. {@code cpu.max}
 * @param formula the content for a constraint value, e.g. {@code p -> p * 1000 + " 100000"}
 * @param kernelDefault the content of the file in a new cgroup
 * @param keyed whether the file is keyed by device with a {@code default} line ({@code
 *     io.weight}): the content is written as {@code default <value>} and read back as one line
 *     among others
 */
public record ControlWrite(
    String controller, String file, LongFunction<String> formula, String kernelDefault,
    boolean keyed) {

  /**
   * Checks non-null components.
   *
   * @param controller the controller whose hierarchy holds the file
   * @param file the control file
   * @param formula the content for a constraint value
   * @param kernelDefault the content of the file in a new cgroup
   * @param keyed whether the file is keyed by device with a {@code default} line
   */
  public ControlWrite {
    requireNonNull(controller, "controller");
    requireNonNull(file, "file");
    requireNonNull(formula, "formula");
    requireNonNull(kernelDefault, "kernelDefault");
  }

  /**
   * A plain write: the file holds exactly the formula's text.
   *
   * @param controller the controller (v1 hierarchy)
   * @param file the control file
   * @param formula the content for a value
   * @param kernelDefault the content in a new cgroup
   * @return the write
   */
  public static ControlWrite of(
      String controller, String file, LongFunction<String> formula, String kernelDefault) {
    return new ControlWrite(controller, file, formula, kernelDefault, false);
  }

  /**
   * A write of the {@code default} line of a device-keyed file.
   *
   * @param controller the controller (v1 hierarchy)
   * @param file the control file
   * @param formula the default weight for a value
   * @param kernelDefault the content in a new cgroup, e.g. {@code default 100}
   * @return the write
   */
  public static ControlWrite keyedDefault(
      String controller, String file, LongFunction<String> formula, String kernelDefault) {
    return new ControlWrite(controller, file, formula, kernelDefault, true);
  }

  /**
   * A write of a list constraint ({@link io.ffrtmp.Constraint#isText()}): the canonical list
   * itself, as the kernel also prints it; empty (all of the parent's) in a new cgroup.
   *
   * @param controller the controller
   * @param file the control file, e.g. {@code cpuset.cpus}
   * @return the write
   */
  public static ControlWrite list(String controller, String file) {
    return new ControlWrite(controller, file, v -> {
      throw new IllegalArgumentException(file + " takes a list, not a number");
    }, "", false);
  }

  /**
   * What to write for a constraint's value in a set of constraints: the list of a text
   * constraint, else {@link #content(long)} of its number.
   *
   * @param constraints the constraints
   * @param constraint which
   * @return the file's new content
   */
  public String content(io.ffrtmp.Constraints constraints, io.ffrtmp.Constraint constraint) {
    return constraint.isText() ? constraints.text(constraint)
        : content(constraints.get(constraint));
  }

  /**
   * What is written for a constraint value.
   *
   * @param value the constraint's value
   * @return the file's content
   */
  public String content(long value) {
    String v = formula.apply(value);
    return keyed ? "default " + v : v;
  }

  /**
   * Whether the file, read back, shows what was written.
   *
   * @param readBack the file's content after the write
   * @param written what was written
   * @return true if the kernel took it
   */
  public boolean accepted(String readBack, String written) {
    return keyed
        ? readBack.lines().anyMatch(l -> l.trim().equals(written))
        : readBack.trim().equals(written);
  }

  /**
   * Whether the file, read back after the kernel's default was written (a limit lifted), shows
   * the default: as written, or, for cgroup v1's {@code -1} of a byte limit, as the largest
   * page-aligned value the kernel shows for "unlimited" (9223372036854771712 with 4 KiB pages).
   *
   * @param readBack the file's content after the write
   * @return true if the limit is lifted
   */
  public boolean acceptedDefault(String readBack) {
    if (accepted(readBack, kernelDefault)) {
      return true;
    }
    if (kernelDefault.equals("-1")) {
      try {
        return Long.parseLong(readBack.trim()) >= Long.MAX_VALUE - 65535; // 64 KiB pages too
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return false;
  }

  /**
   * What the file holds now in the form it is written: a keyed file's {@code default} line,
   * another's whole content; to put back after a change that did not take.
   *
   * @param current the file's content
   * @return what to write to restore it
   */
  public String restorable(String current) {
    if (keyed) {
      return current.lines().map(String::trim).filter(l -> l.startsWith("default "))
          .findFirst().orElse(kernelDefault);
    }
    return current.trim();
  }
}
