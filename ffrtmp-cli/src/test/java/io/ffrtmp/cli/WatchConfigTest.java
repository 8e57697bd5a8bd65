package io.ffrtmp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ffrtmp.Constraints;
import io.ffrtmp.WatchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original wrapper's watch-config.yaml, read as it is, and every mistake named. */
public class WatchConfigTest {
  /**
   * The original's examples/watch-config.yaml, byte for byte (psantana5/ffmpeg-rtmp at 913e7d8,
   * MIT; its licence beside it).
   */
  public static final Path ORIGINAL_FILE = Path.of("src/test/resources/original/watch-config.yaml");

  @TempDir Path dir;

  private WatchConfig.Parsed read(String yaml) throws Exception {
    Path f = Files.writeString(dir.resolve("watch-config.yaml"), yaml);
    return WatchConfig.read(f, Constraints.DEFAULTS, WatchRule::builder);
  }

  private String error(String yaml) {
    return assertThrows(WatchConfig.Invalid.class, () -> read(yaml)).getMessage()
        .replace(dir.resolve("watch-config.yaml").toString(), "F");
  }

  @Test
  void theOriginalsExample_readsAsItMeans() throws Exception {
    WatchConfig.Parsed p = read(Files.readString(ORIGINAL_FILE));
    assertEquals(Duration.ofSeconds(10), p.scanInterval());
    assertEquals(2, p.rules().size());
    WatchRule ffmpeg = p.rules().get(0);
    assertEquals(List.of("ffmpeg"), ffmpeg.commands());
    assertEquals(300, ffmpeg.constraints().cpuQuota());
    assertEquals(8192, ffmpeg.constraints().memoryLimitMb());
    assertEquals(100, ffmpeg.constraints().cpuWeight());
    // both levels' min_runtime apply: the larger
    assertEquals(Duration.ofSeconds(10), ffmpeg.minAge());
    assertEquals(null, ffmpeg.maxAge());
    assertEquals(List.of("/tmp"), ffmpeg.blockedDirs());
    WatchRule gst = p.rules().get(1);
    assertEquals(List.of("gst-launch-1.0"), gst.commands());
    assertEquals(150, gst.constraints().cpuQuota());
    assertEquals(2048, gst.constraints().memoryLimitMb());
    assertEquals(Duration.ofSeconds(30), gst.minAge());
  }

  @Test
  void defaults_asTheOriginals() throws Exception {
    WatchConfig.Parsed p = read("default_limits:\n  memory_limit: 64\n");
    assertEquals(Duration.ofSeconds(10), p.scanInterval());
    assertEquals(List.of("ffmpeg", "gst-launch-1.0"), p.rules().stream().map(WatchRule::name)
        .toList());
    assertEquals(64, p.rules().get(1).constraints().memoryLimitMb());
    assertEquals(2, read("").rules().size());
  }

  @Test
  void filters_ofBothLevels_allApply() throws Exception {
    WatchConfig.Parsed p = read("target_commands: [ffmpeg]\nfilters:\n  allowed_users: [a, b]\n"
        + "  blocked_users: [c]\n  blocked_uids: [0]\n  allowed_parents: [1]\n"
        + "  max_runtime: 1h\n  allowed_dirs: [/srv]\n"
        + "commands:\n  ffmpeg:\n    filters:\n      allowed_users: [b]\n"
        + "      blocked_users: [d]\n      max_runtime: 30m\n");
    WatchRule r = p.rules().get(0);
    assertEquals(Set.of("b"), r.users());
    assertEquals(Set.of("c", "d"), r.blockedUsers());
    assertEquals(Set.of(0L), r.blockedUids());
    assertEquals(Set.of(1L), r.parents());
    assertEquals(Duration.ofMinutes(30), r.maxAge());
    assertEquals(List.of("/srv"), r.dirs());
  }

  @Test
  void ffrtmpsOwnLimits_nameTheirFlags() throws Exception {
    WatchRule r = read("target_commands: [x]\ndefault_limits:\n  pids_max: 64\n"
        + "  memory_high: 32\n  cpus: 0-1\n  io_max: \"8:0 wbps=1M\"\n").rules().get(0);
    assertEquals(64, r.constraints().pidsMax());
    assertEquals(32, r.constraints().memoryHighMb());
    assertEquals("0-1", r.constraints().cpus());
    assertEquals("8:0 wbps=1048576", r.constraints().ioMax());
  }

  @Test
  void mistakes_nameTheKeyAndLine() {
    assertEquals("F:3: filters.alowed_users: unknown key (known here: allowed_dirs,"
        + " allowed_parents, allowed_uids, allowed_users, blocked_dirs, blocked_parents,"
        + " blocked_uids, blocked_users, max_runtime, min_runtime)",
        error("target_commands: [ffmpeg]\nfilters:\n  alowed_users: [a]\n"));
    assertEquals("F:1: scan_intervall: unknown key (known here: commands, default_limits,"
        + " filters, scan_interval, target_commands)", error("scan_intervall: 10s\n"));
    assertEquals("F:1: scan_interval: '10 seconds' is not a duration such as 10s, 1m30s or"
        + " 500ms", error("scan_interval: 10 seconds\n"));
    assertEquals("F:3: default_limits.cpu_quota: 'lots' is not a whole number",
        error("target_commands: [x]\ndefault_limits:\n  cpu_quota: lots\n"));
    assertEquals("F:2: default_limits.cpu_weight: cpu_weight must be between 1 and 10000, got 0",
        error("default_limits:\n  cpu_weight: 0\n").replaceAll(" \\(.*\\)", ""));
    assertEquals("F:3: commands.ffprobe: 'ffprobe' is not in target_commands [ffmpeg], so it"
        + " would never be watched", error("target_commands: [ffmpeg]\ncommands:\n  ffprobe:\n"
            + "    limits: {cpu_quota: 100}\n"));
    assertEquals("F:5: commands.x.filters.allowed_uids: unknown key (known here: allowed_users,"
        + " blocked_users, max_runtime, min_runtime)", error("target_commands: [x]\n"
            + "commands:\n  x:\n    filters:\n      allowed_uids: [1]\n"));
    assertEquals("F:2: filters.blocked_uids: 'root' is not a number from 0 to 4294967294",
        error("filters:\n  blocked_uids: [root]\n"));
    assertEquals("F:1: target_commands must be a list (e.g. [a, b])",
        error("target_commands: ffmpeg\n"));
    assertEquals("F:2: filters.blocked_dirs: 'tmp' is not an absolute path",
        error("filters:\n  blocked_dirs: [tmp]\n"));
    assertEquals("F:5: commands.x.filters: its allowed list [b] and the global one [a] have"
        + " nothing in common: nothing would ever be adopted", error("target_commands: [x]\n"
            + "filters: {allowed_users: [a]}\ncommands:\n  x:\n    filters:\n"
            + "      allowed_users: [b]\n"));
  }

  @Test
  void goDurations() {
    assertEquals(Duration.ofMillis(1500), WatchConfig.goDuration("1.5s"));
    assertEquals(Duration.ofSeconds(90), WatchConfig.goDuration("1m30s"));
    assertEquals(Duration.ofMillis(500), WatchConfig.goDuration("500ms"));
    assertEquals(Duration.ofHours(2), WatchConfig.goDuration("2h"));
    assertEquals(Duration.ZERO, WatchConfig.goDuration("0"));
    assertThrows(IllegalArgumentException.class, () -> WatchConfig.goDuration("10"));
    assertThrows(IllegalArgumentException.class, () -> WatchConfig.goDuration("s"));
    assertThrows(IllegalArgumentException.class, () -> WatchConfig.goDuration("1d"));
  }

  /** The scan interval's range is the library's, whether it comes from a flag or the file. */
  @Test
  void scanInterval_outOfRange_isAUsageError_fromTheFlagOrTheFile() throws Exception {
    CliRun flag = CliRun.of("watch", "--target", "zz", "--scan-interval", "5ms");
    assertEquals(2, flag.code(), flag.toString());
    assertEquals("Error: Invalid value for --scan-interval: scanInterval must be between 10 ms"
        + " and 1 h, got PT0.005S\nTry 'ffrtmp watch --help' for more information.\n",
        flag.err());
    Path f = Files.writeString(dir.resolve("c.yaml"), "target_commands: [zz]\n"
        + "scan_interval: 2h\n");
    CliRun file = CliRun.of("watch", "--config", f.toString());
    assertEquals(2, file.code(), file.toString());
    assertEquals("Error: Invalid value for --config's scan_interval: scanInterval must be"
        + " between 10 ms and 1 h, got PT2H\nTry 'ffrtmp watch --help' for more information.\n",
        file.err());
  }
}
