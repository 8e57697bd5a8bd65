package io.ffrtmp.cgroups.systemd;

import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.MountInfo;
import io.ffrtmp.cgroups.RecordedFs;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code systemd} backend: each workload in its own transient scope, {@code
 * ffrtmp-wrapper-<safe job id>.scope} in {@code ffrtmp.slice}, created through systemd's D-Bus
 * API ({@code StartTransientUnit}) with its limits as unit properties. systemd is the single
 * writer of its cgroup tree: this backend never writes a file of it; it reads the scope's
 * control files back and its counters.
 *
 * <p>Usable where systemd is PID 1 ({@code /run/systemd/system}), cgroup v2 is the unified
 * hierarchy at {@code /sys/fs/cgroup}, and a manager answers on D-Bus: as root the system
 * manager on the system bus ({@code $DBUS_SYSTEM_BUS_ADDRESS}, else {@code
 * /run/dbus/system_bus_socket}); otherwise the user's own manager on the session bus ({@code
 * $DBUS_SESSION_BUS_ADDRESS}, else {@code $XDG_RUNTIME_DIR/bus}). Priority 400: above {@code
 * cgroup-v2}, so that on a systemd host workloads get scopes of their own — outside the agent's
 * unit, so they outlive its stop and restart.
 */
public final class SystemdStrategy implements GovernanceStrategy {
  /** The backend's name. */
  public static final String NAME = "systemd";

  /** The slice workloads go into unless a parent is configured. */
  public static final String DEFAULT_SLICE = "ffrtmp.slice";

  private static final Pattern SLICE = Pattern.compile("[A-Za-z0-9:_.\\\\-]{1,249}\\.slice");

  private final CgroupFs fs;
  private final Path procSelf;
  private final Path runSystemd;
  private final Map<String, String> env;

  /** The real backend. */
  public SystemdStrategy() {
    this(CgroupFs.REAL, Path.of("/proc/self"), Path.of("/run/systemd/system"), System.getenv());
  }

  SystemdStrategy(CgroupFs fs, Path procSelf, Path runSystemd, Map<String, String> env) {
    this.fs = fs;
    this.procSelf = procSelf;
    this.runSystemd = runSystemd;
    this.env = env;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 400;
  }

  /**
   * Which bus, and whose manager.
   *
   * @param address the D-Bus address, or null when none is known
   * @param user whether it is a user manager
   * @param missing what is missing when address is null
   */
  record Bus(@Nullable String address, boolean user, String missing) {}

  Bus bus() {
    try {
      return busFor(DBusConnection.effectiveUid());
    } catch (IOException e) {
      return new Bus(null, false, "cannot tell the effective uid: " + e.getMessage());
    }
  }

  /**
   * The bus for a user: root's system manager, or the user's own manager.
   *
   * @param uid the effective uid
   * @return the bus
   */
  Bus busFor(long uid) {
    if (uid == 0) {
      String a = env.get("DBUS_SYSTEM_BUS_ADDRESS");
      return new Bus(a != null && !a.isBlank() ? a : "unix:path=/run/dbus/system_bus_socket",
          false, "");
    }
    String a = env.get("DBUS_SESSION_BUS_ADDRESS");
    if (a != null && !a.isBlank()) {
      return new Bus(a, true, "");
    }
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isBlank() && Files.exists(Path.of(runtime, "bus"))) {
      return new Bus("unix:path=" + Path.of(runtime, "bus"), true, "");
    }
    return new Bus(null, true, "no user manager on D-Bus (no $DBUS_SESSION_BUS_ADDRESS, no"
        + " $XDG_RUNTIME_DIR/bus): enable lingering (loginctl enable-linger) or run inside a"
        + " login session");
  }

  /** The cgroup2 mount point when it is the unified hierarchy at /sys/fs/cgroup, else null. */
  @Nullable Path unifiedMount() throws IOException {
    MountInfo mi = MountInfo.parse(fs.read(procSelf.resolve("mountinfo")));
    for (MountInfo.Mount m : mi.mounts()) {
      if (m.mountPoint().equals("/sys/fs/cgroup")) {
        return m.fsType().equals("cgroup2") ? Path.of(m.mountPoint()) : null;
      }
    }
    return null;
  }

  @Override
  public Availability probe() {
    if (!Files.isDirectory(runSystemd)) {
      return Availability.unusable("systemd is not the init system here (no " + runSystemd + ")");
    }
    try {
      if (unifiedMount() == null) {
        return Availability.unusable("/sys/fs/cgroup is not the unified cgroup v2 hierarchy"
            + " (a hybrid or cgroup v1 host): systemd's resource properties need it");
      }
    } catch (IOException e) {
      return Availability.unusable("cannot read " + procSelf.resolve("mountinfo") + ": "
          + CgroupFs.reason(e));
    }
    Bus b = bus();
    String address = b.address();
    if (address == null) {
      return Availability.unusable(b.missing());
    }
    try {
      SystemdBus manager = SystemdBus.connect(address, b.user());
      return Availability.usable("systemd " + manager.version() + ", "
          + (b.user() ? "user manager" : "system manager") + " on " + address
          + ", scopes in " + DEFAULT_SLICE);
    } catch (IOException e) {
      return Availability.unusable((b.user() ? "no user manager answers on D-Bus at "
          : "the system manager does not answer on D-Bus at ") + address + ": " + e.getMessage()
          + (b.user() ? " (enable lingering, loginctl enable-linger, or run inside a login"
              + " session)" : ""));
    }
  }

  /**
   * The slice a configured parent names.
   *
   * @param parent the configured parent, or null
   * @return the slice unit
   * @throws IOException when the parent is not a slice unit name
   */
  static String sliceOf(@Nullable String parent) throws IOException {
    if (parent == null) {
      return DEFAULT_SLICE;
    }
    String p = parent.startsWith("/") && parent.indexOf('/', 1) < 0 ? parent.substring(1) : parent;
    if (!SLICE.matcher(p).matches() || p.equals(".slice")) {
      throw new IOException("the systemd backend's cgroup parent is a slice unit, e.g. "
          + DEFAULT_SLICE + " or ffrtmp-batch.slice; got \"" + parent + "\"");
    }
    return p;
  }

  /**
   * Where workloads go: the unified mount and the manager's bus.
   *
   * @param mount the cgroup2 mount point
   * @param address the bus address
   * @param user whether it is a user manager
   */
  private record Setup(Path mount, String address, boolean user) {}

  /** Found at the first start and kept: neither changes while the JVM runs. */
  private volatile @Nullable Setup setup;

  private Setup setup() throws IOException {
    Setup s = setup;
    if (s != null) {
      return s;
    }
    Path mount = unifiedMount();
    if (mount == null) {
      throw new IOException("/sys/fs/cgroup is not the unified cgroup v2 hierarchy");
    }
    Bus b = bus();
    String address = b.address();
    if (address == null) {
      throw new IOException(b.missing());
    }
    s = new Setup(mount, address, b.user());
    setup = s;
    return s;
  }

  @Override
  public Governance prepare(GovernanceRequest request) throws IOException {
    Setup s = setup();
    String slice = sliceOf(request.cgroupParent());
    return new SystemdGovernance(SystemdBus.connect(s.address(), s.user()), fs, s.mount(),
        request, slice);
  }

  @Override
  public Governance restore(Map<String, String> state, Map<String, String> finalCounters)
      throws IOException {
    Bus b = bus();
    SystemdBus manager = null;
    String address = b.address();
    if (address != null) {
      try {
        manager = SystemdBus.connect(address, b.user());
      } catch (IOException e) {
        // the counters and the scope's files still serve; only moves need the bus
      }
    }
    return SystemdGovernance.restored(manager, new RecordedFs(fs, finalCounters), state,
        finalCounters.keySet());
  }
}
