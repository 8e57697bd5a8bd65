package io.ffrtmp.cgroups.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraint;
import io.ffrtmp.cgroups.CgroupFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery and probing of cgroup-v2 against files in a temporary directory. */
class CgroupV2ProbeTest {
  @TempDir Path tmp;

  private CgroupV2Strategy strategy(String mountinfo, String cgroup, String controllers,
      boolean writable) throws IOException {
    Path proc = Files.createDirectories(tmp.resolve("proc"));
    Path mnt = Files.createDirectories(tmp.resolve("cg"));
    Files.writeString(proc.resolve("mountinfo"), mountinfo.replace("MNT", mnt.toString()));
    Files.writeString(proc.resolve("cgroup"), cgroup);
    Path own = Files.createDirectories(mnt.resolve(cgroup.trim().substring(3).replaceFirst("^/", "")));
    Files.writeString(own.resolve("cgroup.controllers"), controllers + "\n");
    Files.writeString(own.resolve("cgroup.subtree_control"), "\n");
    CgroupFs fs = new CgroupFs() {
      @Override public String read(Path f) throws IOException { return REAL.read(f); }
      @Override public void write(Path f, String v) throws IOException { REAL.write(f, v); }
      @Override public void mkdir(Path d) throws IOException { REAL.mkdir(d); }
      @Override public void rmdir(Path d) throws IOException { REAL.rmdir(d); }
      @Override public List<String> children(Path d) throws IOException { return REAL.children(d); }
      @Override public boolean exists(Path f) { return REAL.exists(f); }
      @Override public boolean writable(Path d) { return writable; }
    };
    return new CgroupV2Strategy(fs, proc);
  }

  @Test
  void hybridHostWithOnlyHugetlb_namesTheMissingControllers() throws Exception {
    var a = strategy("40 30 0:37 / MNT rw,relatime - cgroup2 cgroup2 rw\n", "0::/\n", "hugetlb", true)
        .probe();
    assertFalse(a.usable());
    assertTrue(a.reason().endsWith("lacks controller(s) cpu, memory (available: hugetlb)"), a.reason());
  }

  @Test
  void noCgroup2Mount_isUnusable() throws Exception {
    var a = strategy("31 30 0:28 / /x rw - cgroup cgroup rw,cpu\n", "0::/\n", "", true).probe();
    assertEquals("no cgroup2 file system is mounted", a.reason());
  }

  @Test
  void unprivilegedWithoutDelegation_saysPermissionDenied() throws Exception {
    var a = strategy("40 30 0:37 / MNT rw - cgroup2 cgroup2 rw\n", "0::/user.slice/u.service\n",
        "cpu io memory pids", false).probe();
    assertFalse(a.usable());
    assertTrue(a.reason().startsWith("permission denied: cannot create cgroups in "), a.reason());
  }

  @Test
  void fullV2_isUsable_withTheJvmsCgroupAsParent() throws Exception {
    var a = strategy("40 30 0:37 / MNT rw - cgroup2 cgroup2 rw\n", "0::/system.slice/a.service\n",
        "cpu io memory pids", true).probe();
    assertTrue(a.usable(), a.reason());
    assertTrue(a.reason().endsWith("parent /system.slice/a.service"), a.reason());
  }

  @Test
  void formulas_ofTheMappingTable() {
    assertEquals("20000 100000", content(Constraint.CPU_QUOTA, 0, 20));
    assertEquals("250000 100000", content(Constraint.CPU_QUOTA, 0, 250));
    assertEquals("default 5000", content(Constraint.IO_WEIGHT, 0, 50));
    assertEquals("default 1000", content(Constraint.IO_WEIGHT, 1, 100));
    assertEquals("268435456", content(Constraint.MEMORY_LIMIT_MB, 0, 256));
  }

  private static String content(Constraint c, int alternative, long value) {
    var writes = V2Governance.LIMITS.rule(c).alternatives().get(alternative);
    return writes.get(writes.size() - 1).content(value);
  }
}
