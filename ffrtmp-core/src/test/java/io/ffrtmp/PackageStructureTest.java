package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ffrtmp.testing.PackageGraph;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's package structure, read from its compiled classes with jdeps: layers without
 * cycles. The one edge from the API into the implementation is the entry point's: {@link
 * Workload}'s factory methods create the builders of {@code io.ffrtmp.internal} (as {@code
 * java.net.http.HttpClient.newBuilder()} does); no other class of the API may reach into it.
 */
class PackageStructureTest {
  @Test
  void packages_haveNoCycle_besidesTheEntryPointsFactoryEdge(@TempDir Path tmp) throws Exception {
    PackageGraph g = PackageGraph.of(PackageGraph.classesOf(Workload.class), tmp, "io.ffrtmp");
    assertEquals(Set.of("io.ffrtmp.Workload"),
        g.classesReferencing("io.ffrtmp", "io.ffrtmp.internal"),
        "only the entry point of the API may reach into io.ffrtmp.internal");
    Map<String, Set<String>> packages = g.packages(c -> c.equals("io.ffrtmp.Workload"));
    assertEquals(List.of(), PackageGraph.cycles(packages), "package cycles in " + packages);
    // and the edge is one way: nothing of the implementation refers back to the entry point (its
    // values, Backend and Recoverable, are types of their own)
    for (String impl : List.of("io.ffrtmp.internal", "io.ffrtmp.internal.os",
        "io.ffrtmp.internal.launch", "io.ffrtmp.spi")) {
      assertEquals(Set.of(), g.classesReferencingClass(impl, "io.ffrtmp.Workload"),
          impl + " refers back to the entry point");
    }
  }

  @Test
  void apiAndSpi_neverReachIntoTheImplementation(@TempDir Path tmp) throws Exception {
    PackageGraph g = PackageGraph.of(PackageGraph.classesOf(Workload.class), tmp, "io.ffrtmp");
    Map<String, Set<String>> packages = g.packages(c -> c.equals("io.ffrtmp.Workload"));
    assertEquals(Set.of(), packages.get("io.ffrtmp"), "the API depends on nothing of ours");
    // the SPI reaches only the API's values and the system-call layer (for Processes)
    assertEquals(Set.of("io.ffrtmp", "io.ffrtmp.internal.os"), packages.get("io.ffrtmp.spi"));
    assertEquals(Set.of(), packages.get("io.ffrtmp.internal.os"), "the system-call layer is a leaf");
  }
}
