package io.ffrtmp.internal.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Intent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start record's own writer against the JDK's {@link Properties} reader. */
class StartRecordFormatTest {
  @Test
  void anyKeyAndValue_readBackUnchanged_byPropertiesLoad() {
    qt().withExamples(20_000)
        .forAll(strings().allPossible().ofLengthBetween(0, 40),
            strings().allPossible().ofLengthBetween(0, 80))
        .checkAssert((key, value) -> {
          StringBuilder b = new StringBuilder();
          StartRecord.put(b, key, value);
          StartRecord.put(b, "after", "x");
          String text = b.toString();
          for (char c : text.toCharArray()) {
            assertFalse(c > 0x7e || (c < 0x20 && c != '\n'), "plain ASCII lines: " + text);
          }
          Properties p = load(text);
          assertEquals(value, p.getProperty(key), text);
          assertEquals("x", p.getProperty("after"), text);
          assertEquals(2, p.size(), text);
        });
  }

  @Test
  void theEdgesProperties_escapes_areEscaped() {
    for (String s : new String[] {" lead", "a=b", "a:b", "#c", "!c", "back\\slash", "tab\t",
        "nl\nx", "cr\rx", "ff\fx", "ü€😀", "\u0000", "  two", "end "}) {
      StringBuilder b = new StringBuilder();
      StartRecord.put(b, s, s);
      assertEquals(s, load(b.toString()).getProperty(s), b.toString());
    }
  }

  @Test
  void aStartRecord_roundTrips_andIsTheOwnersOnly(@TempDir Path dir) throws IOException {
    StateDir d = StateDir.at(dir);
    StartRecord s = new StartRecord("job-x.1.1", "job = x: #1 ü",
        new StartRecord.Pids(12, 34, 13, 35), 1, 2,
        "cgroup-v1", "/ffrtmp-wrapper-job", Map.of("dirs", "/a b:/c"),
        List.of("/bin/echo", " lead", "ü\n"), Constraints.builder().set(Constraint.CPU_QUOTA, 50)
            .build(),
        List.of(new Enforcement(Constraint.CPU_QUOTA, EnforcementStatus.APPLIED, "cgroup v1 cpu", "50%")),
        List.of("a warning: yes"), Instant.parse("2026-11-26T17:00:00.123456Z"),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Intent.TEST, true, true);
    d.write(s);
    Path file = d.startFile(s.name());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(s, d.read(s.name()));
    // a temporary file left by a writer that died is replaced, not written through
    Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), "stale");
    d.write(s);
    assertEquals(s, d.read(s.name()));
    assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".tmp")));
    // the pids, once known, are appended: the last value of a key counts
    StartRecord.Pids later = new StartRecord.Pids(120, 340, 130, 350);
    d.appendPids(s.name(), later);
    assertEquals(s.withPids(later), d.read(s.name()));
  }

  /**
   * An agent upgraded while its workloads run must recover them: a record written before a
   * constraint existed reads with that constraint at its default (not requested).
   */
  @Test
  void aRecordOfAnEarlierVersion_withoutTheNewerConstraints_reads(@TempDir Path dir)
      throws IOException {
    StateDir d = StateDir.at(dir);
    StartRecord s = new StartRecord("job-old.1.1", "job-old", new StartRecord.Pids(12, 34, 13, 35),
        1, 2, "cgroup-v2", "/ffrtmp-wrapper-job-old", Map.of(), List.of("/bin/true"),
        Constraints.builder().memoryLimitMb(64).build(), List.of(), List.of(),
        Instant.parse("2026-11-26T17:00:00Z"), null, Duration.ofSeconds(10), Intent.TEST, false,
        false);
    d.write(s);
    Path file = d.startFile(s.name());
    String text = Files.readString(file, StandardCharsets.ISO_8859_1);
    String old = text.lines().filter(l -> !l.startsWith("constraint.memory_high_mb=")
            && !l.startsWith("constraint.swap_max_mb=") && !l.startsWith("constraint.pids_max="))
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    assertTrue(old.length() < text.length(), text);
    Files.writeString(file, old, StandardCharsets.ISO_8859_1);
    assertEquals(s, d.read(s.name()));
  }

  private static Properties load(String text) {
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
