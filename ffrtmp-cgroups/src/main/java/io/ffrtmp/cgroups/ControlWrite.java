package io.ffrtmp.cgroups;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.IoLimits;
import java.io.IOException;
import java.nio.file.Path;
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
 * @param ioKey for block IO limits ({@link io.ffrtmp.Constraint#IO_MAX}): {@link #IO_MAX} for
 *     cgroup v2's {@code io.max} (every key), an index in {@link IoLimits#KEYS} for a cgroup v1
 *     file of that key alone ({@code blkio.throttle.read_bps_device} is 0); {@link #NOT_IO}
 *     otherwise
 */
public record ControlWrite(
    String controller, String file, LongFunction<String> formula, String kernelDefault,
    boolean keyed, int ioKey) {

  /** {@link #ioKey()} of a file that holds no block IO limits. */
  public static final int NOT_IO = -2;

  /** {@link #ioKey()} of cgroup v2's {@code io.max}: every key of a device on one line. */
  public static final int IO_MAX = -1;

  /**
   * Checks non-null components.
   *
   * @param controller the controller whose hierarchy holds the file
   * @param file the control file
   * @param formula the content for a constraint value
   * @param kernelDefault the content of the file in a new cgroup
   * @param keyed whether the file is keyed by device with a {@code default} line
   * @param ioKey which block IO limits the file holds, or {@link #NOT_IO}
   */
  public ControlWrite {
    requireNonNull(controller, "controller");
    requireNonNull(file, "file");
    requireNonNull(formula, "formula");
    requireNonNull(kernelDefault, "kernelDefault");
    if (ioKey < NOT_IO || ioKey >= IoLimits.KEYS.size()) {
      throw new IllegalArgumentException("no io limit key " + ioKey + " for " + file);
    }
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
    return new ControlWrite(controller, file, formula, kernelDefault, false, NOT_IO);
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
    return new ControlWrite(controller, file, formula, kernelDefault, true, NOT_IO);
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
    return text(controller, file, NOT_IO);
  }

  /**
   * A write of block IO limits ({@link io.ffrtmp.Constraint#IO_MAX}): the file is written one
   * device per write, the devices it limits that the value does not get their limit lifted, and
   * it is read back as {@link IoLimits}; no limit in a new cgroup.
   *
   * @param controller the controller
   * @param file the control file: {@code io.max}, or a v1 {@code blkio.throttle.*_device}
   * @param ioKey {@link #IO_MAX}, or the v1 file's key (an index in {@link IoLimits#KEYS})
   * @return the write
   */
  public static ControlWrite ioLimits(String controller, String file, int ioKey) {
    if (ioKey == NOT_IO) {
      throw new IllegalArgumentException(file + " holds io limits");
    }
    return text(controller, file, ioKey);
  }

  private static ControlWrite text(String controller, String file, int ioKey) {
    return new ControlWrite(controller, file, v -> {
      throw new IllegalArgumentException(file + " takes text, not a number");
    }, "", false, ioKey);
  }

  /**
   * Writes content to the file in its form: as it is, or (block IO limits) one device per
   * write, lifting the limits of devices the content does not name.
   *
   * @param fs the cgroupfs
   * @param path the file
   * @param content what {@link #content} gave, or what {@link #restorable} gave
   * @throws IOException when the kernel refuses a write
   */
  public void writeTo(CgroupFs fs, Path path, String content) throws IOException {
    if (ioKey == NOT_IO) {
      fs.write(path, content);
      return;
    }
    IoLimits want;
    IoLimits now;
    try {
      want = mine(IoLimits.parse(content));
      now = readIo(fs.read(path));
    } catch (IllegalArgumentException e) {
      // a file in a form this version does not know: refused like a write the kernel refuses
      throw new IOException(path.getFileName() + " cannot be read as io limits: "
          + e.getMessage(), e);
    }
    if (ioKey == IO_MAX) {
      for (String line : want.ioMaxLinesOver(now)) {
        fs.write(path, line);
      }
      return;
    }
    for (IoLimits.Device d : now.devices()) {
      if (want.device(d.id()) == null) {
        fs.write(path, d.id() + " 0"); // v1: 0 removes the device's rule
      }
    }
    for (IoLimits.Device d : want.devices()) {
      fs.write(path, d.id() + " " + d.limit(ioKey));
    }
  }

  /** The part of limits this file holds. */
  private IoLimits mine(IoLimits all) {
    return ioKey == IO_MAX ? all : all.only(ioKey);
  }

  /** The limits a file of block IO limits shows. */
  private IoLimits readIo(String content) {
    return ioKey == IO_MAX ? IoLimits.ofIoMax(content) : IoLimits.ofV1(ioKey, content);
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
    if (ioKey != NOT_IO) {
      try {
        return readIo(readBack).equals(mine(IoLimits.parse(written)));
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
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
    if (ioKey != NOT_IO) {
      return readIo(current).toString();
    }
    if (keyed) {
      return current.lines().map(String::trim).filter(l -> l.startsWith("default "))
          .findFirst().orElse(kernelDefault);
    }
    return current.trim();
  }
}
