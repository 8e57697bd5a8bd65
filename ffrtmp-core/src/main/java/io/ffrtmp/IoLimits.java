package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Block IO limits per device, the value of {@link Constraint#IO_MAX}: for each device (a whole
 * disk, {@code major:minor}) the most bytes per second read ({@code rbps}) and written ({@code
 * wbps}) and the most read and write operations per second ({@code riops}, {@code wiops}).
 *
 * <p>The text form is cgroup v2's {@code io.max} line, one per device, separated by {@code ;}:
 * {@code 8:0 rbps=1048576 wbps=max; 8:16 riops=100}. {@link #parse(String)} also takes a device
 * by path — a block device node ({@code /dev/sda}; a partition stands for its whole disk, as
 * systemd takes it) or any file, for the disk its file system is on — and the suffixes {@code
 * K}, {@code M}, {@code G}, {@code T} (powers of 1024: the kernel itself takes none, and reads
 * {@code rbps=1M} as 1 byte per second). {@code max}, or leaving a key out, is no limit. The
 * canonical form ({@link #toString()}) has devices in number order, plain numbers, and only the
 * keys that limit; the empty text is no limit at all.
 */
public final class IoLimits {
  /** The four keys, in the kernel's order; {@link Device#limit(int)} takes their index. */
  public static final List<String> KEYS = List.of("rbps", "wbps", "riops", "wiops");

  /** No limit on any device. */
  public static final IoLimits NONE = new IoLimits(List.of());

  /** The most operations per second the kernel keeps ({@code UINT_MAX}). */
  static final long MAX_IOPS = 4_294_967_295L;

  private static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

  /**
   * One device's limits; 0 = no limit.
   *
   * @param major the device's major number
   * @param minor the device's minor number
   * @param rbps bytes read per second
   * @param wbps bytes written per second
   * @param riops read operations per second
   * @param wiops write operations per second
   */
  public record Device(int major, int minor, long rbps, long wbps, long riops, long wiops) {
    /**
     * One limit by index in {@link IoLimits#KEYS}.
     *
     * @param key 0..3
     * @return the limit, 0 = none
     */
    public long limit(int key) {
      switch (key) {
        case 0:
          return rbps;
        case 1:
          return wbps;
        case 2:
          return riops;
        case 3:
          return wiops;
        default:
          throw new IllegalArgumentException("no io limit key " + key);
      }
    }

    /**
     * The device as the kernel names it.
     *
     * @return e.g. {@code 8:0}
     */
    public String id() {
      return major + ":" + minor;
    }

    /**
     * The line cgroup v2's {@code io.max} takes for this device, every key given ({@code max}
     * for none), so that it replaces what the device had.
     *
     * @return e.g. {@code 8:0 rbps=1048576 wbps=max riops=max wiops=max}
     */
    public String ioMaxLine() {
      StringBuilder b = new StringBuilder(id());
      for (int k = 0; k < KEYS.size(); k++) {
        b.append(' ').append(KEYS.get(k)).append('=').append(limit(k) == 0 ? "max" : limit(k));
      }
      return b.toString();
    }

    boolean limits() {
      return rbps != 0 || wbps != 0 || riops != 0 || wiops != 0;
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(id());
      for (int k = 0; k < KEYS.size(); k++) {
        if (limit(k) != 0) {
          b.append(' ').append(KEYS.get(k)).append('=').append(limit(k));
        }
      }
      return b.toString();
    }
  }

  private final List<Device> devices;

  private IoLimits(List<Device> devices) {
    List<Device> d = new ArrayList<>();
    for (Device x : devices) {
      if (x.limits()) {
        d.add(x);
      }
    }
    d.sort(Comparator.comparingInt(Device::major).thenComparingInt(Device::minor));
    this.devices = List.copyOf(d);
  }

  /**
   * The devices with a limit, in number order.
   *
   * @return the devices
   */
  public List<Device> devices() {
    return devices;
  }

  /**
   * One device's limits.
   *
   * @param id e.g. {@code 8:0}
   * @return its limits, or null when it has none
   */
  public @Nullable Device device(String id) {
    for (Device d : devices) {
      if (d.id().equals(id)) {
        return d;
      }
    }
    return null;
  }

  /**
   * Whether no device has a limit.
   *
   * @return true for {@link #NONE}
   */
  public boolean isEmpty() {
    return devices.isEmpty();
  }

  /**
   * Parses limits as a user writes them (see the class comment).
   *
   * @param text e.g. {@code /dev/sda wbps=10M; 8:16 riops=100}; blank is no limit
   * @return the limits
   * @throws IllegalArgumentException naming {@code io_max}, the entry and what is wrong with it
   */
  public static IoLimits parse(String text) {
    String t = requireNonNull(text, "io_max").trim();
    List<Device> out = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (String entry : t.split("[;\n]")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      String[] tokens = e.split("\\s+");
      int[] dev = device(tokens[0], e);
      String id = dev[0] + ":" + dev[1];
      if (seen.contains(id)) {
        throw new IllegalArgumentException("io_max names the device " + id + " twice (in '"
            + e + "'): give each device once, with all its keys");
      }
      seen.add(id);
      long[] v = new long[KEYS.size()];
      if (tokens.length == 1) {
        throw new IllegalArgumentException("io_max entry '" + e + "' has no limit: give"
            + " rbps=, wbps=, riops= or wiops=");
      }
      for (int i = 1; i < tokens.length; i++) {
        int eq = tokens[i].indexOf('=');
        int key = eq < 0 ? -1 : KEYS.indexOf(tokens[i].substring(0, eq));
        if (key < 0) {
          throw new IllegalArgumentException("io_max entry '" + e + "': '" + tokens[i]
              + "' is not KEY=VALUE with KEY one of rbps, wbps, riops, wiops");
        }
        v[key] = value(tokens[i].substring(eq + 1), key, e);
      }
      out.add(new Device(dev[0], dev[1], v[0], v[1], v[2], v[3]));
    }
    return new IoLimits(out);
  }

  /**
   * The canonical form of limits given as text (see {@link #parse(String)}).
   *
   * @param text the limits
   * @return the canonical form
   */
  public static String canonical(String text) {
    return parse(text).toString();
  }

  /**
   * Reads cgroup v2's {@code io.max} file: one line per device, every key given.
   *
   * @param content the file's content
   * @return the limits in it
   * @throws IllegalArgumentException for a line that is not of that form
   */
  public static IoLimits ofIoMax(String content) {
    return parse(content);
  }

  /**
   * Reads one of cgroup v1's {@code blkio.throttle.*_device} files ({@code major:minor value}
   * lines) as the limits of one key.
   *
   * @param key the index in {@link #KEYS}: {@code read_bps_device} 0, {@code write_bps_device}
   *     1, {@code read_iops_device} 2, {@code write_iops_device} 3
   * @param content the file's content
   * @return the limits in it, of that key only
   */
  public static IoLimits ofV1(int key, String content) {
    StringBuilder b = new StringBuilder();
    for (String line : content.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2) {
        b.append(f[0]).append(' ').append(KEYS.get(key)).append('=').append(f[1]).append(';');
      }
    }
    return parse(b.toString());
  }

  /**
   * These limits, of one key only (cgroup v1 and systemd keep each key apart).
   *
   * @param key the index in {@link #KEYS}
   * @return the devices limited in that key, with it alone
   */
  public IoLimits only(int key) {
    List<Device> out = new ArrayList<>();
    for (Device d : devices) {
      long[] v = new long[KEYS.size()];
      v[key] = d.limit(key);
      out.add(new Device(d.major(), d.minor(), v[0], v[1], v[2], v[3]));
    }
    return new IoLimits(out);
  }

  /**
   * What to write so that a cgroup that has {@code current} ends up with these limits: one line
   * per device of either (a device only {@code current} limits gets {@code max} throughout).
   *
   * @param current what the cgroup has now
   * @return the {@code io.max} lines, one write each
   */
  public List<String> ioMaxLinesOver(IoLimits current) {
    List<String> out = new ArrayList<>();
    for (Device d : current.devices) {
      if (device(d.id()) == null) {
        out.add(new Device(d.major(), d.minor(), 0, 0, 0, 0).ioMaxLine());
      }
    }
    for (Device d : devices) {
      out.add(d.ioMaxLine());
    }
    return out;
  }

  private static long value(String s, int key, String entry) {
    if (s.equals("max")) {
      return 0;
    }
    long max = key < 2 ? Long.MAX_VALUE : MAX_IOPS;
    String unit = key < 2 ? "bytes per second" : "operations per second";
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,19})([KMGT]?)")
        .matcher(s);
    long v;
    try {
      if (!m.matches()) {
        throw new NumberFormatException(s);
      }
      int shift = 10 * " KMGT".indexOf(m.group(2).isEmpty() ? " " : m.group(2));
      long n = Long.parseLong(m.group(1));
      if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException(s);
      }
      v = n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("io_max entry '" + entry + "': " + KEYS.get(key)
          + " must be a number of " + unit + " (suffix K, M, G or T for powers of 1024) or"
          + " max, got '" + s + "'");
    }
    if (v < 2 || v > max) {
      throw new IllegalArgumentException("io_max entry '" + entry + "': " + KEYS.get(key)
          + " must be between 2 and " + max + " " + unit + " (the kernel refuses 0 and 1;"
          + " max, or leaving it out, is no limit), got " + v);
    }
    return v;
  }

  /** A device given as {@code major:minor} or by path: its whole disk's numbers. */
  private static int[] device(String token, String entry) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9}):([0-9]{1,9})")
        .matcher(token);
    if (m.matches()) {
      return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
    if (!token.startsWith("/")) {
      throw new IllegalArgumentException("io_max entry '" + entry + "': the device must be"
          + " MAJOR:MINOR (e.g. 8:0) or an absolute path (e.g. /dev/sda), got '" + token + "'");
    }
    Path p = Path.of(token);
    long dev;
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev,dev");
      int type = (Integer) a.get("mode") & 0170000;
      if (type == 0020000) {
        throw new IllegalArgumentException("io_max entry '" + entry + "': " + token + " is a"
            + " character device, not a block device");
      }
      dev = type == 0060000 ? (Long) a.get("rdev") : (Long) a.get("dev");
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalArgumentException("io_max entry '" + entry + "': cannot read " + token
          + " (" + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
              : e.toString()) + ")");
    }
    int major = (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
    int minor = (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
    if (major == 0) {
      throw new IllegalArgumentException("io_max entry '" + entry + "': " + token + " is on"
          + " no block device (device 0:" + minor + ": a tmpfs, network or virtual file"
          + " system), so no IO limit applies to it");
    }
    return wholeDisk(major, minor);
  }

  /** A partition's whole disk ({@code io.max} takes whole disks only), from sysfs. */
  private static int[] wholeDisk(int major, int minor) {
    Path sys = SYS_DEV_BLOCK.resolve(major + ":" + minor);
    try {
      if (Files.exists(sys.resolve("partition"), LinkOption.NOFOLLOW_LINKS)) {
        Path disk = sys.toRealPath().getParent();
        if (disk != null) {
          String[] f = Files.readString(disk.resolve("dev")).trim().split(":");
          return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        }
      }
    } catch (IOException | RuntimeException e) {
      // not in sysfs: the numbers as they are (the kernel says whether it knows them)
    }
    return new int[] {major, minor};
  }

  /**
   * The canonical form: devices in number order, the keys that limit as plain numbers.
   *
   * @return e.g. {@code 8:0 rbps=1048576; 8:16 riops=100}; empty for no limit
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Device d : devices) {
      b.append(b.length() == 0 ? "" : "; ").append(d);
    }
    return b.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof IoLimits && ((IoLimits) o).devices.equals(devices);
  }

  @Override
  public int hashCode() {
    return devices.hashCode();
  }
}
