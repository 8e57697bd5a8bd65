package io.ffrtmp.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.PackageGraph;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backends are written against the exported API and SPI only: what a third-party backend
 * could reach. A backend package depends on the shared cgroupfs helpers and the core's API and
 * SPI, never on the core's implementation nor on another backend.
 */
class PackageStructureTest {
  @Test
  void backends_useOnlyTheApiTheSpiAndTheSharedHelpers(@TempDir Path tmp) throws Exception {
    PackageGraph g = PackageGraph.of(PackageGraph.classesOf(CgroupFs.class), tmp, "io.ffrtmp");
    Map<String, Set<String>> packages = g.packages(c -> false);
    Set<String> reached = new TreeSet<>();
    packages.values().forEach(reached::addAll);
    for (String p : reached) {
      assertTrue(p.equals("io.ffrtmp") || p.equals("io.ffrtmp.spi")
          || p.startsWith("io.ffrtmp.cgroups"), "the cgroups module reaches " + p);
    }
    assertEquals(Set.of("io.ffrtmp", "io.ffrtmp.spi"), packages.get("io.ffrtmp.cgroups"),
        "the shared helpers depend on no backend");
    for (String backend : List.of("io.ffrtmp.cgroups.v1", "io.ffrtmp.cgroups.v2",
        "io.ffrtmp.cgroups.systemd")) {
      assertEquals(Set.of("io.ffrtmp", "io.ffrtmp.spi", "io.ffrtmp.cgroups"),
          packages.get(backend), backend);
    }
    assertEquals(List.of(), PackageGraph.cycles(packages));
  }
}
