package io.ffrtmp.cgroups;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Whether an IO weight file has any effect: {@code blkio.bfq.weight} and {@code io.bfq.weight}
 * only while some block device runs the bfq scheduler, {@code blkio.weight} only under cfq, and
 * cgroup v2's {@code io.weight} only where the iocost controller is enabled for a device ({@code
 * enable=1} in the root's {@code io.cost.qos}). The file existing is not enough.
 */
public final class IoSchedulers {
  private IoSchedulers() {}

  /**
   * Why a scheduler's weights do nothing here, or null when some device uses it.
   *
   * @param sysBlock the directory of block devices ({@code /sys/block})
   * @param scheduler e.g. {@code bfq}
   * @return null when effective, otherwise the reason
   */
  public static @Nullable String whyNotInUse(Path sysBlock, String scheduler) {
    List<String> seen = new ArrayList<>();
    try (DirectoryStream<Path> devices = Files.newDirectoryStream(sysBlock)) {
      for (Path dev : devices) {
        Path file = dev.resolve("queue/scheduler");
        if (!Files.isReadable(file)) {
          continue;
        }
        String line = Files.readString(file).trim();
        int open = line.indexOf('[');
        int close = line.indexOf(']', open + 1);
        String active = open >= 0 && close > open ? line.substring(open + 1, close) : line;
        if (active.equals(scheduler)) {
          return null;
        }
        seen.add(dev.getFileName() + ":" + active);
      }
    } catch (IOException e) {
      return "cannot tell which IO scheduler the block devices use (" + sysBlock + ": "
          + CgroupFs.reason(e) + ")";
    }
    return "no block device uses the " + scheduler + " IO scheduler, so its weights have no"
        + " effect (" + (seen.isEmpty() ? "no block devices" : String.join(" ", seen)) + ")";
  }

  /**
   * Why cgroup v2's {@code io.weight} does nothing here, or null when iocost is enabled for a
   * device.
   *
   * @param fs the cgroupfs
   * @param costQos the root's {@code io.cost.qos}
   * @return null when effective, otherwise the reason
   */
  public static @Nullable String whyIocostOff(CgroupFs fs, Path costQos) {
    String qos = ControlFiles.readText(fs, costQos);
    if (qos == null) {
      return "the iocost controller that implements io.weight is not available ("
          + costQos + " cannot be read)";
    }
    for (String line : qos.split("\n")) {
      for (String kv : line.trim().split("\\s+")) {
        if (kv.equals("enable=1")) {
          return null;
        }
      }
    }
    return "io.weight has no effect: the iocost controller is enabled for no device (enable=1 in "
        + costQos + ")";
  }
}
