package io.ffrtmp.cgroups.faults;

import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import java.nio.file.Path;
import java.util.List;

/** Public access to {@link Hierarchies} for the other test packages. */
public final class HierarchiesAccess {
  private HierarchiesAccess() {}

  /**
   * The parent directories the v1 backend uses here.
   *
   * @param v1 the backend
   * @return the parents
   * @throws Exception on failure
   */
  public static List<Path> of(CgroupV1Strategy v1) throws Exception {
    return Hierarchies.of(v1);
  }
}
