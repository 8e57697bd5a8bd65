package io.ffrtmp.junit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Workload;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension on the module path, with JUnit there too, as a modular test suite has it (this
 * suite runs on the class path): the sample that asks for a memory limit passes as root and is
 * skipped (aborted) where the limit cannot be enforced.
 */
class ModulePathTest {
  @Test
  void onTheModulePath_theExtensionGovernsTheSamplesWorkload(@TempDir Path tmp)
      throws Exception {
    String out = ChildJvm.output(ChildJvm.modulePathCommand(tmp, List.of("io.ffrtmp.junit",
        "io.ffrtmp.cgroups", "org.junit.platform.testkit", "org.junit.jupiter.engine"),
        "io.ffrtmp.junittest.ModulePathMain", List.of()), 120);
    assertTrue(out.contains("MODULES io.ffrtmp.junit org.junit.platform.testkit\n"), out);
    boolean enforceable = Host.isRoot() && Workload.backends().stream()
        .anyMatch(b -> b.usable() && !b.name().equals("nice-fallback"));
    assertTrue(out.contains(enforceable ? "TESTS succeeded=1 failed=0 aborted=0\n"
        : "TESTS succeeded=0 failed=0 aborted=1\n"), out);
  }
}
