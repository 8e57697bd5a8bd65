package io.ffrtmp.cgroups;

import io.ffrtmp.spi.CgroupNames;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates a workload's cgroup directory under a unique, safe name. */
public final class UniqueLeaf {
  private static final Logger LOG = LoggerFactory.getLogger(UniqueLeaf.class);

  private UniqueLeaf() {}

  /**
   * Creates {@code parent/ffrtmp-wrapper-<safe id>}, or {@code ...-2}, {@code -3}, ... when
   * another workload of the same job id holds the name. {@code mkdir} is atomic, so two
   * concurrent starts never share a cgroup.
   *
   * @param fs the cgroupfs
   * @param parents the parent directory in each hierarchy (all get the same leaf name)
   * @param jobId the job id
   * @return the leaf name created under every parent
   * @throws IOException if a directory cannot be created (anything created is removed again)
   */
  public static String create(CgroupFs fs, List<Path> parents, String jobId) throws IOException {
    String base = CgroupNames.forJob(jobId);
    for (int n = 1; n < 10_000; n++) {
      String name = n == 1 ? base : CgroupNames.withSuffix(base, n);
      List<Path> made = new ArrayList<>(parents.size());
      try {
        for (Path p : parents) {
          Path dir = p.resolve(name);
          fs.mkdir(dir);
          made.add(dir);
        }
        return name;
      } catch (FileAlreadyExistsException e) {
        removeAll(fs, made);
      } catch (IOException | RuntimeException e) {
        removeAll(fs, made);
        throw e;
      }
    }
    throw new IOException("no free cgroup name for job id " + jobId);
  }

  private static void removeAll(CgroupFs fs, List<Path> dirs) {
    for (Path d : dirs) {
      try {
        fs.rmdir(d);
      } catch (IOException e) {
        LOG.warn("could not remove {} after a failed setup: {}", d, CgroupFs.reason(e));
      }
    }
  }
}
