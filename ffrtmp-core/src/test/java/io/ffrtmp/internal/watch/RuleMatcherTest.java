package io.ffrtmp.internal.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.ffrtmp.WatchRule;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuleMatcherTest {
  /** A process as a rule sees it. */
  private record Fake(long pid, long ppid, String comm, List<String> argv, Optional<String> exe,
      long uid, Optional<String> user, List<String> parentCommands, List<String> cgroups,
      Optional<String> cwd, Duration age) implements ProcessFacts {
    static Fake of(String comm, String... argv) {
      return new Fake(100, 10, comm, List.of(argv), Optional.of("/usr/bin/" + comm), 1000,
          Optional.of("alice"), List.of("bash"), List.of("/user.slice"), Optional.of("/srv/x"),
          Duration.ofSeconds(60));
    }

    Fake uid(long value, String name) {
      return new Fake(pid, ppid, comm, argv, exe, value, Optional.ofNullable(name), parentCommands,
          cgroups, cwd, age);
    }

    Fake cwd(String dir) {
      return new Fake(pid, ppid, comm, argv, exe, uid, user, parentCommands, cgroups,
          Optional.ofNullable(dir), age);
    }

    Fake age(Duration value) {
      return new Fake(pid, ppid, comm, argv, exe, uid, user, parentCommands, cgroups, cwd, value);
    }
  }

  private static RuleMatcher.Decision decide(ProcessFacts p, WatchRule... rules) {
    return RuleMatcher.decide(List.of(rules), p);
  }

  @Test
  void commandName_isTheFirstWordsFileNameOrTheKernelsName() {
    WatchRule ffmpeg = WatchRule.forCommands("ffmpeg").build();
    assertInstanceOf(RuleMatcher.Adopt.class, decide(Fake.of("ffmpeg", "/usr/bin/ffmpeg", "-i"),
        ffmpeg));
    // started through a symlink of another name: the kernel's name still says ffmpeg
    assertInstanceOf(RuleMatcher.Adopt.class, decide(Fake.of("ffmpeg", "ff", "-i"), ffmpeg));
    // exec -a ffmpeg: the first word says it
    assertInstanceOf(RuleMatcher.Adopt.class, decide(Fake.of("sleep", "ffmpeg"), ffmpeg));
    assertInstanceOf(RuleMatcher.Ignore.class, decide(Fake.of("ffprobe", "ffprobe"), ffmpeg));
    assertInstanceOf(RuleMatcher.Ignore.class, decide(Fake.of("ffmpeg2", "ffmpeg2"), ffmpeg));
    // a name longer than comm's 15 characters matches the cut comm
    WatchRule gst = WatchRule.forCommands("gst-launch-1.0-extra").build();
    assertInstanceOf(RuleMatcher.Adopt.class, decide(Fake.of("gst-launch-1.0-", "x"), gst));
    assertInstanceOf(RuleMatcher.Ignore.class, decide(Fake.of("gst-launch-1.0", "x"), gst));
  }

  @Test
  void selectors_mustAllHold() {
    WatchRule r = WatchRule.forCommands("ffmpeg").executables("/usr/bin/ffmpeg")
        .argvMatching("-f flv rtmp://").build();
    assertInstanceOf(RuleMatcher.Adopt.class,
        decide(Fake.of("ffmpeg", "ffmpeg", "-i", "a", "-f", "flv", "rtmp://x"), r));
    assertInstanceOf(RuleMatcher.Ignore.class,
        decide(Fake.of("ffmpeg", "ffmpeg", "-i", "a", "out.mp4"), r));
  }

  @Test
  void firstRuleThatTakesIt_wins_andTheFirstRefusalIsTheSkipsReason() {
    WatchRule blocked = WatchRule.forCommands("ffmpeg").name("strict").blockedUsers("alice")
        .build();
    WatchRule open = WatchRule.forCommands("ffmpeg").name("open").build();
    var d = decide(Fake.of("ffmpeg", "ffmpeg"), blocked, open);
    assertEquals("open", ((RuleMatcher.Adopt) d).rule().name());
    var s = decide(Fake.of("ffmpeg", "ffmpeg"), blocked,
        WatchRule.forCommands("ffmpeg").name("dirs").dirs("/data").build());
    assertEquals(new RuleMatcher.Skip("rule strict: user alice is blocked"), s);
  }

  @Test
  void filters_sayWhy() {
    Fake p = Fake.of("ffmpeg", "ffmpeg");
    assertEquals("uid 1000 is not among the allowed uids [0]",
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").uids(0).build(), p));
    assertEquals("user alice is not among the allowed users [bob]",
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").users("bob").build(), p));
    assertEquals("its parent 10 is blocked",
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").blockedParents(10).build(), p));
    assertEquals("its parent (bash, pid 10) is not among the allowed parent commands [nginx]",
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").parentCommands("nginx").build(), p));
    assertEquals("its cgroups [/user.slice] are not in [/system.slice]",
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").cgroups("/system.slice").build(), p));
    assertEquals(null,
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").cgroups("/user.slice/").build(), p));
    assertEquals("it is 60 s old, older than the max age 30 s", RuleMatcher.refusal(
        WatchRule.forCommands("ffmpeg").maxAge(Duration.ofSeconds(30)).build(), p));
    assertEquals("its working directory cannot be read (allowed dirs [/srv])",
        RuleMatcher.refusal(WatchRule.forCommands("ffmpeg").dirs("/srv").build(), p.cwd(null)));
    // an unreadable working directory is not in a blocked one
    assertEquals(null, RuleMatcher.refusal(
        WatchRule.forCommands("ffmpeg").blockedDirs("/srv").build(), p.cwd(null)));
  }

  @Test
  void dirs_coverWhatIsBelowThem_notNeighbours() {
    WatchRule r = WatchRule.forCommands("ffmpeg").blockedDirs("/tmp/").build();
    Fake p = Fake.of("ffmpeg", "ffmpeg");
    assertInstanceOf(RuleMatcher.Skip.class, decide(p.cwd("/tmp"), r));
    assertInstanceOf(RuleMatcher.Skip.class, decide(p.cwd("/tmp/a/b"), r));
    assertInstanceOf(RuleMatcher.Adopt.class, decide(p.cwd("/tmpx"), r));
    assertInstanceOf(RuleMatcher.Adopt.class, decide(p.cwd("/"), r));
  }

  @Test
  void tooYoung_waitsForTheRest() {
    WatchRule r = WatchRule.forCommands("ffmpeg").minAge(Duration.ofSeconds(10)).build();
    var d = decide(Fake.of("ffmpeg", "ffmpeg").age(Duration.ofSeconds(4)), r);
    assertEquals(new RuleMatcher.Wait(r, Duration.ofSeconds(6)), d);
    assertInstanceOf(RuleMatcher.Adopt.class,
        decide(Fake.of("ffmpeg", "ffmpeg").age(Duration.ofSeconds(10)), r));
  }

  @Test
  void uidFilters_property_neverAdoptABlockedOrUnlistedUid() {
    qt().forAll(integers().between(0, 70000), lists().of(integers().between(0, 70000))
            .ofSizeBetween(0, 4), lists().of(integers().between(0, 70000)).ofSizeBetween(0, 4))
        .checkAssert((uid, allowed, blocked) -> {
          WatchRule r = WatchRule.forCommands("ffmpeg")
              .uids(allowed.stream().mapToLong(Integer::longValue).toArray())
              .blockedUids(blocked.stream().mapToLong(Integer::longValue).toArray()).build();
          var d = decide(Fake.of("ffmpeg", "ffmpeg").uid(uid, null), r);
          boolean should = (allowed.isEmpty() || allowed.contains(uid))
              && !blocked.contains(uid);
          assertEquals(should, d instanceof RuleMatcher.Adopt, d.toString());
          assertTrue(d instanceof RuleMatcher.Adopt || d instanceof RuleMatcher.Skip);
        });
  }

  @Test
  void jobId_fillsThePlaceholders() {
    WatchRule r = WatchRule.forCommands("ffmpeg").name("tx")
        .jobId("auto-{comm}-{pid}-{ppid}-{uid}-{user}-{rule}").build();
    assertEquals("auto-ffmpeg-100-10-1000-alice-tx",
        WatcherImpl.jobId(r, Fake.of("ffmpeg", "/usr/bin/ffmpeg")));
    assertEquals("auto-ffmpeg-100-10-7-7-tx",
        WatcherImpl.jobId(r, Fake.of("ffmpeg", "ffmpeg").uid(7, null)));
  }

  @Test
  void rules_refuseWhatCannotWork() {
    assertEquals("a watch rule must name its processes: give command names, executables or an"
        + " argv pattern", assertThrows(IllegalStateException.class,
            () -> WatchRule.builder().users("x").build()).getMessage());
    assertEquals("command name must be a file name (no '/'), got '/usr/bin/ffmpeg'; give a path"
        + " with executables(...)", assertThrows(IllegalArgumentException.class,
            () -> WatchRule.forCommands("/usr/bin/ffmpeg")).getMessage());
    assertEquals("jobId pattern 'a-{host}': unknown placeholder {host} (known: {comm} {pid}"
        + " {ppid} {uid} {user} {rule})", assertThrows(IllegalArgumentException.class,
            () -> WatchRule.forCommands("x").jobId("a-{host}")).getMessage());
    assertEquals("maxAge (PT1S) must be more than minAge (PT2S)", assertThrows(
        IllegalStateException.class, () -> WatchRule.forCommands("x").minAge(Duration.ofSeconds(2))
            .maxAge(Duration.ofSeconds(1)).build()).getMessage());
    assertEquals("dir must be an absolute path, got 'tmp'", assertThrows(
        IllegalArgumentException.class, () -> WatchRule.forCommands("x").dirs("tmp"))
        .getMessage());
    assertFalse(WatchRule.forCommands("x").build().slaEligible());
  }
}
