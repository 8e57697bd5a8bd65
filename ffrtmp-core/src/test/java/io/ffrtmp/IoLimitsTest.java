package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-device IO limits: their text forms, the device by path, and every refusal. */
class IoLimitsTest {
  @TempDir Path tmp;

  @Test
  void canonicalForm_devicesInNumberOrder_plainNumbers_onlyTheKeysThatLimit() {
    assertEquals("8:0 rbps=1048576 wiops=100; 8:16 wbps=2199023255552",
        IoLimits.canonical(" 8:16 wbps=2T rbps=max ;8:0 wiops=100 rbps=1M\n"));
    assertEquals("", IoLimits.canonical("8:0 rbps=max wbps=max"), "every key max: no limit");
    assertEquals("", IoLimits.canonical("  "));
    assertEquals("", Constraint.IO_MAX.checkValidText(""));
    assertEquals("259:3 riops=2", Constraint.IO_MAX.checkValidText("259:3 riops=2"));
  }

  @Test
  void theKernelsIoMaxFile_andTheV1Files_readBackAsLimits() {
    assertEquals(IoLimits.parse("8:0 wbps=1048576; 8:16 riops=1000"), IoLimits.ofIoMax(
        "8:0 rbps=max wbps=1048576 riops=max wiops=max\n"
            + "8:16 rbps=max wbps=max riops=1000 wiops=max\n"));
    assertEquals(IoLimits.NONE, IoLimits.ofIoMax(""));
    assertEquals(IoLimits.parse("8:0 wbps=4096; 8:16 wbps=8192"),
        IoLimits.ofV1(1, "8:0 4096\n8:16 8192\n"));
    assertEquals(IoLimits.parse("8:16 riops=1000"),
        IoLimits.parse("8:0 wbps=1048576; 8:16 riops=1000 rbps=5").only(2));
  }

  @Test
  void ioMaxLines_setEveryKey_andLiftTheDevicesNoLongerNamed() {
    IoLimits now = IoLimits.parse("8:0 wbps=1048576; 8:32 rbps=4096");
    IoLimits next = IoLimits.parse("8:0 riops=10; 8:16 wbps=2M");
    assertEquals(List.of("8:32 rbps=max wbps=max riops=max wiops=max",
            "8:0 rbps=max wbps=max riops=10 wiops=max",
            "8:16 rbps=max wbps=2097152 riops=max wiops=max"),
        next.ioMaxLinesOver(now));
    assertEquals(List.of("8:0 rbps=max wbps=max riops=max wiops=max",
        "8:32 rbps=max wbps=max riops=max wiops=max"), IoLimits.NONE.ioMaxLinesOver(now));
  }

  /** A path names the disk its file system is on, as stat(1) says it (a partition: its disk). */
  @Test
  void aDeviceByPath_isTheDiskOfItsFileSystem() throws Exception {
    Path file = Files.writeString(tmp.resolve("f"), "x");
    Process p = new ProcessBuilder("stat", "-c", "%Hd:%Ld", file.toString()).start();
    String dev = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor();
    Path sys = Path.of("/sys/dev/block", dev);
    if (dev.startsWith("0:")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> IoLimits.parse(file + " wbps=1M"));
      assertTrue(e.getMessage().contains("is on no block device"), e.getMessage());
      return;
    }
    if (Files.exists(sys.resolve("partition"))) {
      dev = Files.readString(sys.toRealPath().getParent().resolve("dev")).trim();
    }
    assertEquals(dev + " wbps=1048576", IoLimits.canonical(file + " wbps=1M"));
  }

  @Test
  void everyRefusalNamesTheEntryAndWhatIsWrong() {
    assertRefused("8:0", "io_max entry '8:0' has no limit: give rbps=, wbps=, riops= or wiops=");
    assertRefused("8:0 rbps=1", "io_max entry '8:0 rbps=1': rbps must be between 2 and "
        + Long.MAX_VALUE + " bytes per second (the kernel refuses 0 and 1; max, or leaving it"
        + " out, is no limit), got 1");
    assertRefused("8:0 riops=4294967296", "io_max entry '8:0 riops=4294967296': riops must be"
        + " between 2 and 4294967295 operations per second (the kernel refuses 0 and 1; max, or"
        + " leaving it out, is no limit), got 4294967296");
    assertRefused("8:0 wbps=1m", "io_max entry '8:0 wbps=1m': wbps must be a number of bytes"
        + " per second (suffix K, M, G or T for powers of 1024) or max, got '1m'");
    assertRefused("8:0 wbps=9999999T", "io_max entry '8:0 wbps=9999999T': wbps must be a"
        + " number of bytes per second (suffix K, M, G or T for powers of 1024) or max, got"
        + " '9999999T'");
    assertRefused("8:0 speed=5", "io_max entry '8:0 speed=5': 'speed=5' is not KEY=VALUE with"
        + " KEY one of rbps, wbps, riops, wiops");
    assertRefused("sda wbps=5", "io_max entry 'sda wbps=5': the device must be MAJOR:MINOR"
        + " (e.g. 8:0) or an absolute path (e.g. /dev/sda), got 'sda'");
    assertRefused("8:0 rbps=5; 8:0 wbps=5", "io_max names the device 8:0 twice (in '8:0"
        + " wbps=5'): give each device once, with all its keys");
    assertRefused("/dev/null rbps=5", "io_max entry '/dev/null rbps=5': /dev/null is a character"
        + " device, not a block device");
    assertRefused(tmp.resolve("absent") + " rbps=5", "io_max entry '" + tmp.resolve("absent")
        + " rbps=5': cannot read " + tmp.resolve("absent") + " (no such file)");
    assertRefused("/proc/self wbps=5", "io_max entry '/proc/self wbps=5': /proc/self is on no"
        + " block device");
  }

  private static void assertRefused(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Workload.run("true").withIoMax(text));
    assertTrue(e.getMessage().startsWith(message), e.getMessage());
  }
}
