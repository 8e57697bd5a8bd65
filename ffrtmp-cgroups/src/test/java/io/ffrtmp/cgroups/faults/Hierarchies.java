package io.ffrtmp.cgroups.faults;

import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import io.ffrtmp.spi.GovernanceRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The parent directories the v1 backend uses here, found through a real prepare. */
final class Hierarchies {
  private Hierarchies() {}

  static List<Path> of(CgroupV1Strategy v1) throws Exception {
    var g = v1.prepare(new GovernanceRequest("fault-probe-" + ProcessHandle.current().pid(),
        io.ffrtmp.Constraints.DEFAULTS, false, null));
    List<Path> out = new ArrayList<>();
    for (Path procs : g.joinFiles()) {
      out.add(procs.getParent().getParent());
    }
    g.release();
    return out;
  }

  static CgroupFs fs() {
    return CgroupFs.REAL;
  }
}
