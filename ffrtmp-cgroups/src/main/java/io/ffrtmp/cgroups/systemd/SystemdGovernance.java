package io.ffrtmp.cgroups.systemd;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.IoLimits;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.ControlFiles;
import io.ffrtmp.cgroups.ControlWrite;
import io.ffrtmp.cgroups.IoSchedulers;
import io.ffrtmp.cgroups.ProcCgroup;
import io.ffrtmp.cgroups.RecordedFs;
import io.ffrtmp.cgroups.UnifiedCounters;
import io.ffrtmp.cgroups.UnifiedLimits;
import io.ffrtmp.cgroups.systemd.DBusMessage.Variant;
import io.ffrtmp.spi.CgroupNames;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One workload's transient scope. Created when the first process is placed ({@link
 * #placeLaunched(long)} in run mode: the launch keeper, which starts the workload only after;
 * {@link #adopt(long)} in attach mode), with the limits as unit properties; each limit is then
 * read back from the scope's own control files. The keeper stays in the scope until it has
 * copied the final counters, so they are not lost when systemd collects the empty scope.
 */
final class SystemdGovernance implements Governance {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdGovernance.class);

  /** Unit names this JVM has in use: a second start of one job id takes the next suffix. */
  private static final Set<String> IN_USE = ConcurrentHashMap.newKeySet();

  /**
   * How one constraint becomes a unit property. What the scope's cgroup then shows is not
   * repeated here: the scope is a cgroup v2 directory, read back with the {@code cgroup-v2}
   * backend's own table ({@link UnifiedLimits}; {@link #v2()}: its file, its formula, its
   * reading of the file), as runc's systemd driver composes its {@code fs2} manager.
   *
   * @param constraint the constraint
   * @param property the unit property
   * @param value the property's value for a requested value (a number constraint)
   */
  record Mapping(Constraint constraint, String property,
      java.util.function.LongUnaryOperator value) {
    /**
     * A list constraint ({@link Constraint#isText()}): the property is a bitmask ({@code ay},
     * bit {@code i % 8} of byte {@code i / 8} for number {@code i}).
     */
    static Mapping list(Constraint constraint, String property) {
      return new Mapping(constraint, property, v -> {
        throw new IllegalArgumentException(property + " takes a list");
      });
    }

    /**
     * Block IO limits ({@link Constraint#IO_MAX}): four properties, {@code a(st)} each (a device
     * node's path and a limit per entry).
     */
    static Mapping io() {
      return new Mapping(Constraint.IO_MAX, "IO{Read,Write}{Bandwidth,IOPS}Max", v -> {
        throw new IllegalArgumentException("io limits are text");
      });
    }

    /**
     * The cgroup v2 write that carries the constraint in the scope's directory: where systemd
     * writes it, and how it reads back ({@code io.weight}'s, where v2 has alternatives).
     */
    ControlWrite v2() {
      return UnifiedLimits.TABLE.rule(constraint).alternatives().get(0).get(0);
    }

    /** The control file. */
    String file() {
      return v2().file();
    }

    /** Its controller. */
    String controller() {
      return v2().controller();
    }

    /** The unit properties (name, variant) that give these constraints' value. */
    List<Object> properties(Constraints c) {
      if (constraint == Constraint.IO_MAX) {
        return ioProperties(IoLimits.NONE, IoLimits.parse(c.text(constraint)));
      }
      return List.of(List.of(property, constraint.isText()
          ? bitmask(constraint, c.text(constraint))
          : new Variant("t", value.applyAsLong(c.get(constraint)))));
    }

    /** What the control file shows of the constraint: its first line, or the io limits. */
    String readBack(String content) {
      if (constraint != Constraint.IO_MAX) {
        return content.split("\n", 2)[0].trim();
      }
      try {
        return IoLimits.ofIoMax(content).toString();
      } catch (IllegalArgumentException e) {
        return content.trim();
      }
    }

    /** What the control file then holds, in the v2 backend's words. */
    String expectedFor(Constraints c) {
      return v2().content(c, constraint);
    }

    /** What the control file holds for a value given as text (an update's). */
    String expectedFor(String text) {
      return constraint.isText() ? text : v2().content(Long.parseLong(text));
    }

    /** How an entry shows the property's value. */
    String shown(Constraints c) {
      return constraint.isText() ? c.text(constraint)
          : Long.toString(value.applyAsLong(c.get(constraint)));
    }
  }

  /** A control file's empty reading (no io limit) in an entry's words. */
  private static String shownEmpty(String first) {
    return first.isEmpty() ? "(none)" : first;
  }

  /** systemd's properties of the block IO limits, in the order of {@link IoLimits#KEYS}. */
  static final List<String> IO_PROPERTIES = List.of("IOReadBandwidthMax", "IOWriteBandwidthMax",
      "IOReadIOPSMax", "IOWriteIOPSMax");

  /**
   * The properties that take a unit from block IO limits {@code from} to {@code to}: per key,
   * each device of either with its new limit, {@code infinity} where {@code to} has none
   * (systemd keeps a device it was given until told otherwise); a key no device of either has
   * is left out.
   */
  static List<Object> ioProperties(IoLimits from, IoLimits to) {
    List<Object> out = new ArrayList<>();
    for (int k = 0; k < IO_PROPERTIES.size(); k++) {
      java.util.Set<String> ids = new java.util.LinkedHashSet<>();
      for (IoLimits.Device d : from.only(k).devices()) {
        ids.add(d.id());
      }
      for (IoLimits.Device d : to.only(k).devices()) {
        ids.add(d.id());
      }
      if (ids.isEmpty()) {
        continue;
      }
      List<Object> entries = new ArrayList<>();
      for (String id : ids) {
        IoLimits.Device d = to.device(id);
        long v = d == null || d.limit(k) == 0 ? -1L : d.limit(k); // -1: UINT64_MAX, infinity
        entries.add(List.of(devicePath(id), v));
      }
      out.add(List.of(IO_PROPERTIES.get(k), new Variant("a(st)", entries)));
    }
    return out;
  }

  /**
   * The device node systemd is given for {@code major:minor} (it takes paths only): {@code
   * /dev/<DEVNAME>} as sysfs names it, else {@code /dev/block/major:minor} (udev's link).
   */
  static String devicePath(String id) {
    try {
      for (String line : Files.readAllLines(Path.of("/sys/dev/block", id, "uevent"))) {
        if (line.startsWith("DEVNAME=")) {
          return "/dev/" + line.substring("DEVNAME=".length()).trim();
        }
      }
    } catch (IOException e) {
      LOG.debug("no sysfs entry for block device {}: {}", id, e.toString());
    }
    return "/dev/block/" + id;
  }

  /** A list such as {@code 0-3,8} of a list constraint as systemd's bitmask ({@code ay}). */
  static Variant bitmask(Constraint c, String list) {
    List<Integer> out = new ArrayList<>();
    for (byte b : c.listBits(list).toByteArray()) {
      out.add(b & 0xff);
    }
    return new Variant("ay", out);
  }

  /**
   * The mapping to unit properties: {@code CPUQuotaPerSecUSec = p * 10,000}, {@code CPUWeight =
   * w}, {@code MemoryMax = m MiB}, {@code IOWeight = p * 100}, {@code MemoryHigh = h MiB}, {@code
   * MemorySwapMax = s MiB}, {@code TasksMax = n}, {@code AllowedCPUs} and {@code
   * AllowedMemoryNodes} = the list as a bitmask, {@code IOReadBandwidthMax}, {@code
   * IOWriteBandwidthMax}, {@code IOReadIOPSMax}, {@code IOWriteIOPSMax} = {@code (/dev/<disk>,
   * n)} per device. Each is read back as the {@code cgroup-v2} backend reads its own write.
   */
  static final List<Mapping> MAPPINGS = List.of(
      new Mapping(Constraint.CPU_QUOTA, "CPUQuotaPerSecUSec", p -> p * 10_000L),
      new Mapping(Constraint.CPU_WEIGHT, "CPUWeight", w -> w),
      new Mapping(Constraint.MEMORY_LIMIT_MB, "MemoryMax", m -> m * 1048576L),
      new Mapping(Constraint.IO_WEIGHT, "IOWeight", p -> p * 100),
      new Mapping(Constraint.MEMORY_HIGH_MB, "MemoryHigh", m -> m * 1048576L),
      new Mapping(Constraint.SWAP_MAX_MB, "MemorySwapMax", m -> m * 1048576L),
      new Mapping(Constraint.PIDS_MAX, "TasksMax", n -> n),
      Mapping.list(Constraint.CPUS, "AllowedCPUs"),
      Mapping.list(Constraint.MEMORY_NODES, "AllowedMemoryNodes"),
      Mapping.io());

  private final @Nullable SystemdBus bus;
  private final CgroupFs fs;
  private final Path mount;
  private final Constraints constraints;
  private final String baseName;
  private final String slice;
  private final String description;
  private final List<String> warnings = new ArrayList<>();
  private volatile List<Enforcement> enforcement = List.of();
  private volatile @Nullable String unit;
  private volatile @Nullable String cgroupPath;
  private volatile @Nullable Path dir;

  SystemdGovernance(@Nullable SystemdBus bus, CgroupFs fs, Path mount, GovernanceRequest request,
      String slice) {
    this.bus = bus;
    this.fs = fs;
    this.mount = mount;
    this.constraints = request.constraints();
    this.baseName = CgroupNames.forJob(request.jobId());
    this.slice = slice;
    this.description = describe(request);
  }

  private static String describe(GovernanceRequest r) {
    String what = r.command().isEmpty() ? "adopted processes" : String.join(" ", r.command());
    String d = "ffrtmp job " + r.jobId() + ": " + what;
    return d.length() > 1000 ? d.substring(0, 1000) + "…" : d;
  }

  /**
   * A scope an earlier JVM created (recovery), from its recorded state. Where the scope is is
   * taken from what knows best: the keeper's copy of the counters names the directory it read
   * them from (the scope has ended); otherwise systemd, while the scope exists; otherwise the
   * record.
   */
  static SystemdGovernance restored(@Nullable SystemdBus bus, RecordedFs fs,
      Map<String, String> state, java.util.Set<String> copiedCounters) throws IOException {
    String unit = state.get("unit");
    String path = state.get("path");
    String dir = state.get("dir");
    String mount = state.get("mount");
    if (unit == null || path == null || dir == null || mount == null) {
      throw new IOException("incomplete systemd state: " + state);
    }
    SystemdGovernance g = new SystemdGovernance(bus, fs, Path.of(mount),
        new GovernanceRequest(unit, Constraints.DEFAULTS, false, null),
        state.getOrDefault("slice", SystemdStrategy.DEFAULT_SLICE));
    g.unit = unit;
    g.cgroupPath = path;
    g.dir = Path.of(dir);
    String copiedFrom = copiedCounters.stream().filter(f -> f.endsWith("/cpu.stat")
        || f.endsWith("/memory.events")).map(f -> f.substring(0, f.lastIndexOf('/')))
        .findFirst().orElse(null);
    if (copiedFrom != null && copiedFrom.startsWith(mount + "/")) {
      g.dir = Path.of(copiedFrom);
      g.cgroupPath = copiedFrom.substring(mount.length());
    } else if (bus != null) {
      // the scope as systemd knows it now, where it still exists
      try {
        bus.controlGroup(unit).filter(cg -> !cg.equals(path)).ifPresent(cg -> {
          LOG.warn("scope {}: the record says {}, systemd says {}: using systemd's", unit, path,
              cg);
          g.cgroupPath = cg;
          g.dir = Path.of(mount).resolve(cg.substring(1));
        });
      } catch (IOException e) {
        LOG.debug("scope {}: systemd not asked ({}); the record's path stands", unit,
            e.toString());
      }
    }
    return g;
  }

  @Override
  public @Nullable String cgroupPath() {
    return cgroupPath;
  }

  @Override
  public List<Path> joinFiles() {
    return List.of();
  }

  @Override
  public List<Enforcement> enforcement() {
    return enforcement;
  }

  @Override
  public List<String> warnings() {
    synchronized (warnings) {
      return List.copyOf(warnings);
    }
  }

  @Override
  public boolean placesLaunchedProcess() {
    return true;
  }

  @Override
  public void placeLaunched(long keeperPid) throws IOException {
    createScope(keeperPid, false);
  }

  /**
   * Attach mode: the first process creates the scope, delegated ({@code Delegate=yes}), for
   * systemd moves processes into delegated units only ({@code AttachProcessesToUnit} into any
   * other fails: "Process migration not available on non-delegated units") — and every further
   * one joins it so: the adopted process's descendants, the children the watcher follows in.
   */
  @Override
  public void adopt(long pid) throws IOException {
    String u = unit;
    if (u == null) {
      createScope(pid, true);
    } else {
      manager().attachProcesses(u, "", List.of(pid));
    }
  }

  private SystemdBus manager() throws IOException {
    SystemdBus b = bus;
    if (b == null) {
      throw new IOException("systemd's manager is not reachable on D-Bus");
    }
    return b;
  }

  /**
   * The unit's properties: the scope's frame, delegated where asked (processes can join it
   * later), then (unless refused) the limits.
   */
  List<Object> properties(long pid, boolean withLimits, boolean delegate) {
    List<Object> p = new ArrayList<>();
    p.add(List.of("Description", new Variant("s", description)));
    p.add(List.of("Slice", new Variant("s", slice)));
    p.add(List.of("PIDs", new Variant("au", List.of(pid))));
    if (delegate) {
      p.add(List.of("Delegate", new Variant("b", true)));
    }
    p.add(List.of("CollectMode", new Variant("s", "inactive-or-failed")));
    p.add(List.of("CPUAccounting", new Variant("b", true)));
    p.add(List.of("MemoryAccounting", new Variant("b", true)));
    p.add(List.of("IOAccounting", new Variant("b", true)));
    p.add(List.of("TasksAccounting", new Variant("b", true)));
    if (withLimits) {
      for (Mapping m : MAPPINGS) {
        if (constraints.isRequested(m.constraint())) {
          p.addAll(m.properties(constraints));
        }
      }
    }
    return p;
  }

  private void createScope(long pid, boolean delegate) throws IOException {
    SystemdBus b = manager();
    String refused = null;
    boolean withLimits = true;
    for (int n = 1; n < 100_000; n++) {
      String name = (n == 1 ? baseName : CgroupNames.withSuffix(baseName, n)) + ".scope";
      if (!IN_USE.add(name)) {
        continue;
      }
      String result;
      try {
        result = b.startTransientUnit(name, properties(pid, withLimits, delegate));
      } catch (DBusConnection.DBusException e) {
        IN_USE.remove(name);
        if (e.name().equals("org.freedesktop.systemd1.UnitExists")) {
          continue;
        }
        if (withLimits && !constraints.requestedCgroupConstraints().isEmpty()) {
          // systemd refused a property: the scope without limits, each recorded failed
          refused = e.getMessage();
          withLimits = false;
          n--;
          continue;
        }
        throw new IOException("systemd refused the scope " + name + ": " + e.getMessage(), e);
      } catch (IOException e) {
        IN_USE.remove(name);
        throw e;
      }
      if (!result.equals("done")) {
        IN_USE.remove(name);
        throw new IOException("systemd could not start the scope " + name + ": its job ended "
            + "\"" + result + "\"");
      }
      unit = name;
      String path = ownPath(pid, name);
      cgroupPath = path;
      Path d = mount.resolve(path.substring(1));
      dir = d;
      enforcement = readBack(d, refused);
      synchronized (warnings) {
        warnings.addAll(ControlFiles.warnings(enforcement));
      }
      return;
    }
    throw new IOException("no free scope name for " + baseName);
  }

  /** The scope's cgroup path, from the placed process's own /proc/<pid>/cgroup. */
  private String ownPath(long pid, String name) throws IOException {
    String text;
    try {
      text = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
    } catch (IOException e) {
      throw new IOException("process " + pid + " ended while systemd placed it in " + name, e);
    }
    String v2 = ProcCgroup.parse(text).v2();
    if (v2 == null || !v2.endsWith("/" + name)) {
      throw new IOException("process " + pid + " is in " + v2 + ", not in the scope " + name);
    }
    return v2;
  }

  /** Each cgroup constraint: skipped, or what the scope's control file shows. */
  private List<Enforcement> readBack(Path d, @Nullable String refused) {
    List<Enforcement> out = new ArrayList<>(4);
    for (Mapping m : MAPPINGS) {
      Constraint c = m.constraint();
      String mechanism = "systemd " + m.property();
      if (!constraints.isRequested(c)) {
        out.add(new Enforcement(c, EnforcementStatus.SKIPPED, mechanism,
            c.defaultMeaning()));
        continue;
      }
      String value = m.shown(constraints);
      if (refused != null) {
        out.add(new Enforcement(c, EnforcementStatus.FAILED, mechanism,
            "systemd refused the unit's properties: " + refused));
        continue;
      }
      Path file = d.resolve(m.file());
      String back = ControlFiles.readText(fs, file);
      if (back == null) {
        out.add(new Enforcement(c, EnforcementStatus.DEGRADED, mechanism,
            "the scope has no " + m.file() + ": the " + m.controller() + " controller is not"
                + " available to this systemd manager" + (bus != null && bus.user()
                    ? " (a user manager gets only the controllers user@.service delegates)"
                    : "")));
        continue;
      }
      String first = m.readBack(back);
      String expected = m.expectedFor(constraints);
      if (!m.v2().accepted(back, expected)) {
        out.add(new Enforcement(c, EnforcementStatus.FAILED, mechanism,
            m.property() + "=" + value + " set, but " + m.file() + " reads " + shownEmpty(first)
                + " (expected " + expected + ")"));
        continue;
      }
      if (c == Constraint.IO_WEIGHT) {
        String why = IoSchedulers.whyIocostOff(fs, mount.resolve("io.cost.qos"));
        if (why != null) {
          out.add(new Enforcement(c, EnforcementStatus.DEGRADED, mechanism,
              m.property() + "=" + value + " set, but without effect: " + why));
          continue;
        }
      }
      out.add(new Enforcement(c, EnforcementStatus.APPLIED, mechanism,
          m.property() + "=" + value + " (" + m.file() + " = " + first + ")"));
    }
    return List.copyOf(out);
  }

  /** Whether a constraint's default is "no limit": {@code infinity} as a property. */
  private static boolean unlimitedByDefault(Constraint c) {
    return c != Constraint.CPU_WEIGHT && c != Constraint.IO_WEIGHT;
  }

  /**
   * The property value that lifts a constraint (its default): {@code infinity} ({@code
   * UINT64_MAX}) for the limits, 100 for the weights.
   */
  private static long liftValue(Mapping m) {
    Constraint c = m.constraint();
    return unlimitedByDefault(c) ? -1L
        : m.value().applyAsLong(c == Constraint.IO_WEIGHT ? 1 : c.defaultValue());
  }

  /**
   * The property value a control file's first line stands for: what to set again to put a
   * constraint back as it was (the files are what knows, also for a recovered scope).
   */
  private static @Nullable Long propertyOf(Mapping m, String first) {
    try {
      switch (m.constraint()) {
        case CPU_QUOTA: {
          String[] f = first.split(" ");
          return f[0].equals("max") ? -1L
              : Long.parseLong(f[0]) * 1_000_000L / Long.parseLong(f[1]);
        }
        case IO_WEIGHT:
          return Long.parseLong(first.replaceFirst("^default ", ""));
        default:
          return first.equals("max") ? -1L : Long.parseLong(first);
      }
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Changes the scope's limits with {@code SetUnitProperties} (runtime), then reads each back
   * from the scope's control files, as at its creation; a change that does not show is put
   * back to the value the file held before (and so is every change, in strict mode, when one
   * is not in force).
   */
  @Override
  public synchronized List<Enforcement> update(io.ffrtmp.ConstraintChanges changes,
      boolean strict) {
    Map<Constraint, String> wanted = changes.requested();
    List<Enforcement> out = new ArrayList<>();
    String u = unit;
    Path d = dir;
    List<Mapping> touched = new ArrayList<>();
    List<List<Object>> propsOf = new ArrayList<>();
    List<List<Object>> beforeOf = new ArrayList<>();
    for (Mapping m : MAPPINGS) {
      Constraint c = m.constraint();
      String text = wanted.get(c);
      if (text == null) {
        continue;
      }
      long value = c.isText() ? 0 : Long.parseLong(text);
      String mechanism = "systemd " + m.property();
      if (u == null || d == null || bus == null) {
        out.add(new Enforcement(c, EnforcementStatus.DEGRADED, mechanism, u == null
            ? "no scope" : "systemd's manager is not reachable on D-Bus"));
        continue;
      }
      String now = ControlFiles.readText(fs, d.resolve(m.file()));
      String shownNow = now == null ? null : m.readBack(now);
      Variant old = null;
      IoLimits oldIo = IoLimits.NONE;
      if (c == Constraint.IO_MAX) {
        // no io.max: the scope has no io controller yet; setting a limit makes systemd
        // enable it
        try {
          oldIo = IoLimits.parse(shownNow == null ? "" : shownNow);
          old = new Variant("t", 0L);
        } catch (IllegalArgumentException e) {
          old = null;
        }
      } else if (c.isText()) {
        // no cpuset file: the scope has no set yet (all CPUs); setting one makes systemd
        // enable the controller for it
        old = bitmask(c, shownNow == null ? "" : shownNow);
      } else if (shownNow != null) {
        Long o = propertyOf(m, shownNow);
        old = o == null ? null : new Variant("t", o);
      }
      if (old == null) {
        out.add(new Enforcement(c, EnforcementStatus.DEGRADED, mechanism, "the scope has"
            + " no readable " + m.file() + ": the " + m.controller() + " controller is not"
            + " available to this systemd manager"));
        continue;
      }
      boolean lift = c.isDefault(text);
      if (c == Constraint.MEMORY_LIMIT_MB && !lift && !changes.memoryBelowUsageAllowed()) {
        Long used = ControlFiles.readLong(fs, d.resolve("memory.current"));
        if (used != null && used > value * 1048576L) {
          out.add(new Enforcement(c, EnforcementStatus.FAILED, mechanism, "not lowered:"
              + " the workload uses " + used + " bytes, more than the new limit of "
              + value * 1048576L + " (the kernel would reclaim or OOM-kill it;"
              + " allowMemoryBelowUsage, or --memory-below-usage, lets it)"));
          continue;
        }
      }
      touched.add(m);
      if (c == Constraint.IO_MAX) {
        IoLimits to = IoLimits.parse(text);
        propsOf.add(ioProperties(oldIo, to));
        beforeOf.add(ioProperties(to, oldIo));
        continue;
      }
      propsOf.add(List.of(List.of(m.property(), c.isText() ? bitmask(c, text)
          : new Variant("t", lift ? liftValue(m) : m.value().applyAsLong(value)))));
      beforeOf.add(List.of(List.of(m.property(), old)));
    }
    if (touched.isEmpty()) {
      return List.copyOf(out);
    }
    List<Object> props = new ArrayList<>();
    propsOf.forEach(props::addAll);
    if ("0".equals(wanted.get(Constraint.CPU_QUOTA))
        && !wanted.containsKey(Constraint.CPU_WEIGHT)) {
      // a unit with neither quota nor weight drops the cpu controller from its mask, and
      // systemd then never writes cpu.max back to "max" (systemd#14917): the weight it has
      // keeps the controller, and changes nothing
      String w = ControlFiles.readText(fs, java.util.Objects.requireNonNull(d)
          .resolve("cpu.weight"));
      if (w != null) {
        props.add(List.of("CPUWeight", new Variant("t", Long.parseLong(w.trim()))));
      }
    }
    String refused = null;
    try {
      java.util.Objects.requireNonNull(bus).setUnitProperties(java.util.Objects.requireNonNull(u),
          props);
    } catch (IOException e) {
      refused = e.getMessage();
    }
    List<Integer> applied = new ArrayList<>();
    List<Object> putBack = new ArrayList<>();
    for (int i = 0; i < touched.size(); i++) {
      Mapping m = touched.get(i);
      Constraint c = m.constraint();
      String text = java.util.Objects.requireNonNull(wanted.get(c));
      long value = c.isText() ? 0 : Long.parseLong(text);
      boolean lift = c.isDefault(text);
      String mechanism = "systemd " + m.property();
      Object setTo = c.isText() ? (!text.isEmpty() ? text
          : c == Constraint.IO_MAX ? "(none)" : "(all)")
          : ((Variant) ((List<?>) propsOf.get(i).get(0)).get(1)).value();
      if (refused != null) {
        out.add(new Enforcement(c, EnforcementStatus.FAILED, mechanism,
            "systemd refused the change: " + refused + "; the previous value kept"));
        continue;
      }
      // lifted, the file holds what a new cgroup holds
      String expected = lift ? m.v2().kernelDefault() : m.expectedFor(text);
      Shown now = shown(m, java.util.Objects.requireNonNull(d).resolve(m.file()), expected, lift);
      String first = now.first();
      boolean ok = now.ok();
      if (lift && c.isText() && first.equals("(unreadable)")) {
        // nothing left to carry: systemd drops the controller from the scope (its tasks may
        // use every CPU or memory node of the parent, or the device unthrottled), which is
        // what lifting asks for
        first = "(gone: the scope's " + m.controller() + " controller dropped"
            + (c == Constraint.IO_MAX ? ", no limit)" : ", the parent's set)");
        ok = true;
      }
      if (!ok) {
        putBack.addAll(beforeOf.get(i));
        out.add(new Enforcement(c, EnforcementStatus.FAILED, mechanism, m.property()
            + "=" + setTo + " set, but " + m.file() + " reads " + shownEmpty(first)
            + " (expected " + shownEmpty(expected) + "); the previous value put back"));
        continue;
      }
      applied.add(out.size());
      putBack.addAll(beforeOf.get(i));
      out.add(new Enforcement(c, EnforcementStatus.APPLIED, mechanism, m.property() + "="
          + (lift && !c.isText() ? "infinity" : setTo) + " (" + m.file() + " = "
          + shownEmpty(first) + ")"
          + (lift ? " (lifted: " + c.defaultMeaning() + ")" : "")));
    }
    boolean refuse = strict && out.stream().anyMatch(x -> !x.enforced());
    if (refused == null && (refuse || applied.size() < touched.size())) {
      List<Object> restore = refuse ? putBack : new ArrayList<>();
      if (!refuse) {
        // only those that did not show
        for (int i = 0; i < touched.size(); i++) {
          int at = out.size() - touched.size() + i;
          if (!out.get(at).enforced()) {
            restore.addAll(beforeOf.get(i));
          }
        }
      }
      try {
        java.util.Objects.requireNonNull(bus).setUnitProperties(
            java.util.Objects.requireNonNull(u), restore);
      } catch (IOException e) {
        LOG.warn("scope {}: the previous limits could not be put back: {}", u, e.getMessage());
      }
      if (refuse) {
        for (int i : applied) {
          out.set(i, out.get(i).with(EnforcementStatus.FAILED, Governance.NOT_CHANGED));
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * A control file once it shows {@code expected} (or, lifted, the kernel's default), or as it
   * is after a second: systemd writes a unit's new properties to its cgroup from its event
   * loop, which may come after {@code SetUnitProperties} has answered.
   */
  private Shown shown(Mapping m, Path file, String expected, boolean lifted) {
    String first = "(unreadable)";
    boolean ok = false;
    for (int i = 0; i < 50; i++) {
      String back = ControlFiles.readText(fs, file);
      first = back == null ? "(unreadable)" : m.readBack(back);
      ok = back != null && (lifted ? m.v2().acceptedDefault(back)
          : m.v2().accepted(back, expected));
      if (ok) {
        break;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new Shown(first, ok);
  }

  /**
   * A control file as read back after a change.
   *
   * @param first what it shows of the constraint (its first line, or the io limits)
   * @param ok whether that is what the change asked for
   */
  private record Shown(String first, boolean ok) {}

  /**
   * Moves a process back into the unit it came from, through systemd ({@code
   * AttachProcessesToUnit}). systemd takes processes only into delegated units; from any other
   * the process stays in its scope, with its limits, and the exception says so — systemd's own
   * cgroups are never written behind its back.
   */
  @Override
  public void moveBack(long pid, String originalCgroups) throws IOException {
    String path = ProcCgroup.parse(originalCgroups).v2();
    if (path == null) {
      return;
    }
    try {
      attachToUnitOf(path, pid);
    } catch (IOException e) {
      throw new IOException("systemd does not take it back into " + path + " (" + e.getMessage()
          + "; only delegated units take processes): it stays in " + unit + " with its limits",
          e);
    }
  }

  /** The deepest unit on the path; what lies below it is a sub-cgroup of a delegated unit. */
  private void attachToUnitOf(String path, long pid) throws IOException {
    String[] parts = path.replaceFirst("^/+", "").split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      String p = parts[i];
      if (p.endsWith(".service") || p.endsWith(".scope") || p.endsWith(".slice")) {
        String sub = String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
        manager().attachProcesses(p, sub.isEmpty() ? "" : "/" + sub, List.of(pid));
        return;
      }
    }
    throw new IOException("cannot tell which systemd unit " + path + " belongs to");
  }

  @Override
  public List<Long> members() {
    Path d = dir;
    return d == null ? new ArrayList<>() : ControlFiles.pids(fs, d.resolve("cgroup.procs"));
  }

  /**
   * The keeper's counter files: before the scope exists, paths in the keeper's own cgroup (it
   * resolves {@code <mount>/.self-cgroup/<file>} when it reads them).
   */
  @Override
  public List<Path> finalCounters() {
    Path d = dir;
    return UnifiedCounters.files(d != null ? d : mount.resolve(".self-cgroup"));
  }

  @Override
  public Map<String, String> state() {
    String u = unit;
    String p = cgroupPath;
    Path d = dir;
    if (u == null || p == null || d == null) {
      return Map.of();
    }
    return Map.of("unit", u, "path", p, "dir", d.toString(), "mount", mount.toString(),
        "slice", slice);
  }

  /**
   * Signals every process of the scope but the keeper (it forwards what it gets to the
   * workload, and must outlive it to record the end); SIGKILL is repeated while new members
   * appear. Signals are sent with kill(2): nothing of systemd's is written.
   */
  @Override
  public void signalAll(int signal, long spared) {
    for (int round = 0; round < 10; round++) {
      List<Long> targets = members();
      targets.remove(Long.valueOf(spared));
      if (targets.isEmpty()) {
        return;
      }
      for (long pid : targets) {
        Processes.signal(pid, signal);
      }
      if (signal != Processes.SIGKILL) {
        return;
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public Usage usage() {
    Path d = dir;
    return d == null ? Usage.UNKNOWN : UnifiedCounters.read(fs, d);
  }

  /** The scope's own pressure file. */
  @Override
  public @Nullable Path pressureFile(String resource) {
    Path d = dir;
    return d == null ? null : d.resolve(resource + ".pressure");
  }

  /** systemd collects the scope once empty: the keeper's copy is what remains. */
  @Override
  public Usage usage(Map<String, String> finalCounters) {
    Path d = dir;
    return d == null ? Usage.UNKNOWN : UnifiedCounters.read(new RecordedFs(fs, finalCounters), d);
  }

  /**
   * Nothing to remove: systemd collects the scope once its last process ends ({@code
   * CollectMode=inactive-or-failed}). Processes that outlived the workload keep it (with its
   * limits) until they end; they are named in a warning.
   */
  @Override
  public List<String> release() {
    String u = unit;
    if (u == null) {
      return List.of();
    }
    IN_USE.remove(u);
    List<Long> left = members(); // the keeper has ended: it outlives nothing
    if (left.isEmpty()) {
      return List.of();
    }
    LOG.debug("scope {} still has {}", u, left);
    return List.of(left.size() + " process(es) outlived the workload in " + u + " (pids " + left
        + "): the scope stays, with its limits, until they end");
  }
}
