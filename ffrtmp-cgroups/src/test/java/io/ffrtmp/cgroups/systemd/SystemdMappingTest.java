package io.ffrtmp.cgroups.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import io.ffrtmp.Constraints;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.systemd.DBusMessage.Variant;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.CgroupNames;
import io.ffrtmp.spi.GovernanceRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd backend's property mapping, unit naming and probe reasons, on this host (the
 * backend itself runs against a real systemd in the VM suites).
 */
class SystemdMappingTest {
  /** systemd's unit name rule: these characters, at most 255 bytes. */
  private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.\\\\-]+");

  @TempDir Path tmp;

  private static Map<String, Variant> props(Constraints c) {
    SystemdGovernance g = new SystemdGovernance(null, CgroupFs.REAL, Path.of("/sys/fs/cgroup"),
        new GovernanceRequest("j", c, false, null, List.of("ffmpeg", "-i", "in.mp4")),
        SystemdStrategy.DEFAULT_SLICE);
    Map<String, Variant> out = new LinkedHashMap<>();
    for (Object o : g.properties(4242, true, false)) {
      List<?> pair = (List<?>) o;
      out.put((String) pair.get(0), (Variant) pair.get(1));
    }
    return out;
  }

  @Test
  void limitsBecomeUnitPropertiesWithTheSpecFormulas() {
    Map<String, Variant> p = props(Constraints.builder().cpuQuota(50).cpuWeight(200)
        .memoryLimitMb(256).ioWeight(50).build());
    assertEquals(new Variant("t", 500_000L), p.get("CPUQuotaPerSecUSec"));
    assertEquals(new Variant("t", 200L), p.get("CPUWeight"));
    assertEquals(new Variant("t", 268_435_456L), p.get("MemoryMax"));
    assertEquals(new Variant("t", 5000L), p.get("IOWeight"));
    assertEquals(new Variant("au", List.of(4242L)), p.get("PIDs"));
    assertEquals(new Variant("s", "ffrtmp.slice"), p.get("Slice"));
    assertEquals(new Variant("s", "inactive-or-failed"), p.get("CollectMode"));
    for (String a : List.of("CPUAccounting", "MemoryAccounting", "IOAccounting")) {
      assertEquals(new Variant("b", true), p.get(a), a);
    }
    assertEquals(new Variant("s", "ffrtmp job j: ffmpeg -i in.mp4"), p.get("Description"));
    // what the kernel then shows: the same files and values as the cgroup-v2 backend writes
    Constraints asked = Constraints.builder().cpuQuota(50).ioWeight(50).build();
    assertEquals("50000 100000", SystemdGovernance.MAPPINGS.get(0).expectedFor(asked));
    assertEquals("cpu.max", SystemdGovernance.MAPPINGS.get(0).file());
    assertEquals("default 5000", SystemdGovernance.MAPPINGS.get(3).expectedFor(asked));
    assertEquals("io.weight", SystemdGovernance.MAPPINGS.get(3).file());
    // every property has the v2 write of its own constraint
    for (SystemdGovernance.Mapping m : SystemdGovernance.MAPPINGS) {
      assertEquals(m.constraint(), io.ffrtmp.cgroups.UnifiedLimits.TABLE
          .rule(m.constraint()).constraint());
    }
    assertEquals(io.ffrtmp.Constraint.values().length - 2, SystemdGovernance.MAPPINGS.size(),
        "every cgroup constraint has a property");
  }

  /**
   * Block IO limits become one {@code a(st)} property per key that some device has, with the
   * device's node; an update also names every device it lifts ({@code infinity}: systemd keeps
   * a device it was given until told otherwise).
   */
  @Test
  void ioLimitsBecomeFourPropertiesOfDeviceNodes_andALiftNamesEachDevice() throws Exception {
    Map<String, Variant> p = props(Constraints.builder()
        .ioMax("8:0 wbps=1048576 riops=100; 8:16 rbps=2").build());
    String sda = SystemdGovernance.devicePath("8:0");
    String sdb = SystemdGovernance.devicePath("8:16");
    assertEquals(new Variant("a(st)", List.of(List.of(sdb, 2L))), p.get("IOReadBandwidthMax"));
    assertEquals(new Variant("a(st)", List.of(List.of(sda, 1048576L))),
        p.get("IOWriteBandwidthMax"));
    assertEquals(new Variant("a(st)", List.of(List.of(sda, 100L))), p.get("IOReadIOPSMax"));
    assertFalse(p.containsKey("IOWriteIOPSMax"), p.toString());
    List<Object> lift = SystemdGovernance.ioProperties(
        io.ffrtmp.IoLimits.parse("8:0 wbps=1048576 riops=100; 8:16 rbps=2"),
        io.ffrtmp.IoLimits.parse("8:16 wiops=7"));
    assertEquals(List.of(
        List.of("IOReadBandwidthMax", new Variant("a(st)", List.of(List.of(sdb, -1L)))),
        List.of("IOWriteBandwidthMax", new Variant("a(st)", List.of(List.of(sda, -1L)))),
        List.of("IOReadIOPSMax", new Variant("a(st)", List.of(List.of(sda, -1L)))),
        List.of("IOWriteIOPSMax", new Variant("a(st)", List.of(List.of(sdb, 7L))))), lift);
  }

  /** The node given to systemd is the device itself, as stat(1) reads its numbers. */
  @Test
  void aDevicesNodeIsFoundThroughSysfs() throws Exception {
    assertEquals("/dev/block/4095:4095", SystemdGovernance.devicePath("4095:4095"));
    Process stat = new ProcessBuilder("stat", "-c", "%Hd:%Ld", "/").start();
    String root = new String(stat.getInputStream().readAllBytes()).trim();
    stat.waitFor();
    assumeTrue(!root.startsWith("0:") && Files.exists(Path.of("/sys/dev/block", root)),
        "/ is on no block device here");
    Path node = Path.of(SystemdGovernance.devicePath(root));
    Process type = new ProcessBuilder("stat", "-L", "-c", "%F %Hr:%Lr", node.toString()).start();
    String said = new String(type.getInputStream().readAllBytes()).trim();
    type.waitFor();
    assertEquals("block special file " + root, said, node.toString());
  }

  @Test
  void unrequestedLimitsAreNotProperties() {
    Map<String, Variant> p = props(Constraints.DEFAULTS);
    for (String k : List.of("CPUQuotaPerSecUSec", "CPUWeight", "MemoryMax", "IOWeight")) {
      assertFalse(p.containsKey(k), k);
    }
  }

  @Test
  void everyJobIdGivesAValidUniqueScopeName() {
    qt().forAll(strings().allPossible().ofLengthBetween(1, 400)).checkAssert(id -> {
      for (String base : List.of(CgroupNames.forJob(id),
          CgroupNames.withSuffix(CgroupNames.forJob(id), 99_999))) {
        String unit = base + ".scope";
        assertTrue(UNIT.matcher(unit).matches(), unit);
        assertTrue(unit.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255, unit);
        assertTrue(unit.startsWith("ffrtmp-wrapper-"), unit);
      }
    });
    assertFalse(CgroupNames.forJob("a/b").equals(CgroupNames.forJob("a_b")),
        "ids that differ give different units");
  }

  /** Recovery of an ended scope: the keeper's copy of the counters says where they were read. */
  @Test
  void restoredScope_takesItsDirectoryFromTheKeepersCopy_overAStaleRecord() throws IOException {
    String real = "/sys/fs/cgroup/ffrtmp.slice/ffrtmp-wrapper-j.scope";
    Map<String, String> counters = Map.of(real + "/memory.events",
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n", real + "/cpu.stat",
        "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\n");
    Map<String, String> state = Map.of("unit", "ffrtmp-wrapper-j.scope", "path",
        "/ffrtmp.slice/wrong.scope", "dir", "/sys/fs/cgroup/ffrtmp.slice/wrong.scope", "mount",
        "/sys/fs/cgroup");
    SystemdGovernance g = SystemdGovernance.restored(null,
        new io.ffrtmp.cgroups.RecordedFs(CgroupFs.REAL, counters), state, counters.keySet());
    assertEquals("/ffrtmp.slice/ffrtmp-wrapper-j.scope", g.cgroupPath());
    assertEquals(1L, g.usage().oomKills());
    assertEquals(0.0015, g.usage().cpuUserSec(), 1e-9);
    SystemdGovernance none = SystemdGovernance.restored(null,
        new io.ffrtmp.cgroups.RecordedFs(CgroupFs.REAL, Map.of()), state, java.util.Set.of());
    assertEquals("/ffrtmp.slice/wrong.scope", none.cgroupPath(), "no copy, no bus: the record");
  }

  @Test
  void cgroupParentIsASliceUnit() throws IOException {
    assertEquals("ffrtmp.slice", SystemdStrategy.sliceOf(null));
    assertEquals("batch.slice", SystemdStrategy.sliceOf("batch.slice"));
    assertEquals("batch.slice", SystemdStrategy.sliceOf("/batch.slice"));
    for (String bad : List.of("/a/b", "batch", ".slice", "a b.slice", "../x.slice")) {
      IOException e = assertThrows(IOException.class, () -> SystemdStrategy.sliceOf(bad), bad);
      assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
    }
  }

  private SystemdStrategy strategy(boolean systemd, String cgroupMount,
      Map<String, String> env) throws IOException {
    Path proc = Files.createDirectories(tmp.resolve("proc"));
    Files.writeString(proc.resolve("mountinfo"), "30 1 0:26 / " + cgroupMount
        + " rw,nosuid - " + (cgroupMount.equals("/sys/fs/cgroup") ? "cgroup2" : "tmpfs")
        + " cgroup2 rw\n");
    Path run = tmp.resolve("run-systemd-system");
    if (systemd) {
      Files.createDirectories(run);
    }
    return new SystemdStrategy(CgroupFs.REAL, proc, run, env);
  }

  @Test
  void probeNamesWhatIsMissing() throws Exception {
    Availability noInit = strategy(false, "/sys/fs/cgroup", Map.of()).probe();
    assertFalse(noInit.usable());
    assertTrue(noInit.reason().contains("systemd is not the init system"), noInit.reason());
    Availability hybrid = strategy(true, "/sys/fs/cgroup/unified", Map.of()).probe();
    assertFalse(hybrid.usable());
    assertTrue(hybrid.reason().contains("not the unified cgroup v2 hierarchy"), hybrid.reason());
    assumeTrue(DBusConnection.effectiveUid() == 0, "SKIPPED: the system-bus reasons need root");
    Availability noBus = strategy(true, "/sys/fs/cgroup",
        Map.of("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + tmp.resolve("none"))).probe();
    assertFalse(noBus.usable());
    assertTrue(noBus.reason().contains("the system manager does not answer on D-Bus at unix:path="
        + tmp.resolve("none")), noBus.reason());
  }

  /** A bus without systemd on it (a private dbus-daemon): the probe says systemd is missing. */
  @Test
  void probeOnABusWithoutSystemd() throws Exception {
    Path exe = Path.of("/usr/bin/dbus-daemon");
    assumeTrue(Files.isExecutable(exe), "SKIPPED: no /usr/bin/dbus-daemon");
    assumeTrue(DBusConnection.effectiveUid() == 0, "SKIPPED: the system-bus probe needs root");
    Path socket = tmp.resolve("bus");
    Process daemon = new ProcessBuilder(exe.toString(), "--session", "--nofork", "--nopidfile",
        "--address=unix:path=" + socket).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("daemon.log").toFile()).start();
    try {
      for (int i = 0; i < 500 && !Files.exists(socket); i++) {
        Thread.sleep(10);
      }
      Availability a = strategy(true, "/sys/fs/cgroup",
          Map.of("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + socket)).probe();
      assertFalse(a.usable());
      // the bus answers for systemd with an error (ServiceUnknown, or a failed activation)
      assertTrue(a.reason().contains("the system manager does not answer on D-Bus at unix:path="
          + socket) && a.reason().contains("(org.freedesktop.DBus.Error."), a.reason());
    } finally {
      daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNormalUsersBus_isTheirManagersOrTheyAreToldToEnableLingering() throws Exception {
    SystemdStrategy.Bus none = strategy(true, "/sys/fs/cgroup", Map.of()).busFor(1600);
    assertEquals(null, none.address());
    assertTrue(none.missing().contains("loginctl enable-linger"), none.missing());
    Path runtime = Files.createDirectories(tmp.resolve("run-user-1600"));
    Files.createFile(runtime.resolve("bus"));
    SystemdStrategy.Bus xdg = strategy(true, "/sys/fs/cgroup",
        Map.of("XDG_RUNTIME_DIR", runtime.toString())).busFor(1600);
    assertEquals("unix:path=" + runtime.resolve("bus"), xdg.address());
    assertTrue(xdg.user());
    SystemdStrategy.Bus session = strategy(true, "/sys/fs/cgroup", Map.of(
        "DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1600/bus",
        "XDG_RUNTIME_DIR", runtime.toString())).busFor(1600);
    assertEquals("unix:path=/run/user/1600/bus", session.address());
    SystemdStrategy.Bus root = strategy(true, "/sys/fs/cgroup", Map.of(
        "DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/0/bus")).busFor(0);
    assertEquals("unix:path=/run/dbus/system_bus_socket", root.address());
    assertFalse(root.user());
  }
}
