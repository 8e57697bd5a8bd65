package io.ffrtmp.micrometer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module on the module path, as a modular application has it (the suite runs on the class path). */
class ModulePathTest {
  @Test
  void onTheModulePath_itPublishesAWorkload_andTheBackendsAreFoundAsProvides(@TempDir Path tmp)
      throws Exception {
    String out = ChildJvm.output(ChildJvm.modulePathCommand(tmp,
        List.of("io.ffrtmp.micrometer", "io.ffrtmp.cgroups"),
        "io.ffrtmp.micrometertest.ModulePathMain", List.of()), 60);
    assertTrue(out.contains("MODULES io.ffrtmp.micrometer io.ffrtmp.core\n"), out);
    assertTrue(out.contains("COMPLETED 1.0\n"), out);
    // as root on this host a cgroup backend, found as a provides of io.ffrtmp.cgroups
    assertTrue(!Host.isRoot() || !out.contains("STRATEGY nice-fallback"), out);
  }
}
