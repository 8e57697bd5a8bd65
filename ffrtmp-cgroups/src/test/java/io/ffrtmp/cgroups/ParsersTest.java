package io.ffrtmp.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParsersTest {
  static final String HYBRID =
      "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
          + "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
          + "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
          + "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
          + "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw,nsdelegate\n";

  @Test
  void mountinfo_coMountedAndNamedHierarchies() {
    MountInfo mi = MountInfo.parse(HYBRID);
    assertEquals(4, mi.mounts().size());
    assertEquals(List.of("cpu", "cpuacct"), mi.mounts().get(0).controllers());
    assertEquals(List.of(), mi.mounts().get(2).controllers(), "name=systemd has no controller");
    assertEquals("cgroup2", mi.mounts().get(3).fsType());
    assertEquals("/sys/fs/cgroup/unified", mi.mounts().get(3).mountPoint());
  }

  @Test
  void mountinfo_unescapesOctal() {
    MountInfo mi = MountInfo.parse(
        "1 0 0:1 / /mnt/with\\040space rw - cgroup2 cgroup2 rw\n");
    assertEquals("/mnt/with space", mi.mounts().get(0).mountPoint());
  }

  @Test
  void procCgroup_v1AndV2() {
    ProcCgroup pc = ProcCgroup.parse("4:memory:/a/b\n2:cpu,cpuacct:/\n1:name=systemd:/x\n0::/u\n");
    assertEquals("/a/b", pc.v1().get("memory"));
    assertEquals("/", pc.v1().get("cpuacct"));
    assertEquals("/u", pc.v2());
    assertNull(ProcCgroup.parse("0::/only\n").v1().get("cpu"));
  }

  @Test
  void keyedFiles() {
    assertEquals(5L, ControlFiles.keyed("nr_periods 10\nnr_throttled 5\nthrottled_time 99\n", "nr_throttled"));
    assertNull(ControlFiles.keyed("a 1\n", "b"));
  }

  @Test
  void probe_missingMemoryHierarchy_isNamed(@TempDir Path proc) throws Exception {
    Files.writeString(proc.resolve("mountinfo"),
        "31 30 0:28 / " + proc + " rw - cgroup cgroup rw,cpu,cpuacct\n");
    Files.writeString(proc.resolve("cgroup"), "2:cpu,cpuacct:/\n");
    var a = new CgroupV1Strategy(CgroupFs.REAL, proc).probe();
    assertFalse(a.usable());
    assertEquals("no cgroup v1 hierarchy for controller(s) memory", a.reason());
  }

  @Test
  void probe_pureV2Host_isUnusable(@TempDir Path proc) throws Exception {
    Files.writeString(proc.resolve("mountinfo"),
        "40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
    Files.writeString(proc.resolve("cgroup"), "0::/user.slice\n");
    var a = new CgroupV1Strategy(CgroupFs.REAL, proc).probe();
    assertEquals("no cgroup v1 hierarchy for controller(s) cpu, memory", a.reason());
  }

  @Test
  void probe_parentNotWritable_saysPermissionDenied(@TempDir Path proc) throws Exception {
    Files.writeString(proc.resolve("mountinfo"), HYBRID);
    Files.writeString(proc.resolve("cgroup"), "4:memory:/m\n2:cpu,cpuacct:/c\n");
    CgroupFs readOnly = new CgroupFs() {
      @Override public String read(Path f) throws java.io.IOException { return REAL.read(f); }
      @Override public void write(Path f, String v) { throw new UnsupportedOperationException(); }
      @Override public void mkdir(Path d) { throw new UnsupportedOperationException(); }
      @Override public void rmdir(Path d) { throw new UnsupportedOperationException(); }
      @Override public List<String> children(Path d) { return List.of(); }
      @Override public boolean exists(Path f) { return true; }
      @Override public boolean writable(Path d) { return false; }
    };
    var s = new CgroupV1Strategy(readOnly, proc);
    var a = s.probe();
    assertFalse(a.usable());
    assertTrue(a.reason().startsWith("permission denied: cannot create cgroups in /sys/fs/cgroup/cpu,cpuacct/c"),
        a.reason());
  }
}
