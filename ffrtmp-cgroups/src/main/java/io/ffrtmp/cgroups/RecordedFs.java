package io.ffrtmp.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A cgroupfs whose reads of the final counters come from the keeper's exit record (the cgroup
 * may be gone since), everything else from the kernel: what a recovered workload's governance
 * reads its usage through.
 */
public final class RecordedFs implements CgroupFs {
  private final CgroupFs kernel;
  private final Map<String, String> recorded;

  /**
   * A cgroupfs over recorded counters.
   *
   * @param kernel the real cgroupfs
   * @param recorded counter file path to its content when the workload ended
   */
  public RecordedFs(CgroupFs kernel, Map<String, String> recorded) {
    this.kernel = kernel;
    this.recorded = Map.copyOf(recorded);
  }

  /**
   * Whether this is a copy of final counters, taken when a workload ended (a restored
   * governance may wrap the kernel with an empty copy: it reads the live files).
   *
   * @param fs a cgroupfs
   * @return true for a non-empty copy
   */
  public static boolean isFinalCopy(CgroupFs fs) {
    return fs instanceof RecordedFs r && !r.recorded.isEmpty();
  }

  @Override
  public String read(Path file) throws IOException {
    String r = recorded.get(file.toString());
    return r != null ? r : kernel.read(file);
  }

  /**
   * A file's recorded content only, never the kernel's: for files whose path means something
   * else to the reader ({@code /proc/self/io} was the keeper's own).
   *
   * @param file the file as the keeper named it
   * @return its content when the workload ended, or null when it was not recorded
   */
  public @Nullable String recorded(Path file) {
    return recorded.get(file.toString());
  }

  @Override
  public void write(Path file, String value) throws IOException {
    kernel.write(file, value);
  }

  @Override
  public void mkdir(Path dir) throws IOException {
    kernel.mkdir(dir);
  }

  @Override
  public void rmdir(Path dir) throws IOException {
    kernel.rmdir(dir);
  }

  @Override
  public List<String> children(Path dir) throws IOException {
    return kernel.children(dir);
  }

  @Override
  public boolean exists(Path file) {
    return recorded.containsKey(file.toString()) || kernel.exists(file);
  }

  @Override
  public boolean writable(Path dir) {
    return kernel.writable(dir);
  }
}
