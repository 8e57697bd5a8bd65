package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/ffrtmp's class-data archive: the one {@code mvn package} made is mapped where it was made,
 * and a copy of the installation elsewhere (another class path: the JVM would refuse the
 * archive, with a warning on every start) runs without it, silently.
 */
class CliLauncherIT {
  @TempDir Path dir;
  private Path cli;

  @BeforeEach
  void needsTheLauncher() {
    cli = Shell.launcher();
  }

  private Shell.Result backends(Path launcher, Path classLog, String... env) throws Exception {
    String[] all = Stream.concat(Stream.of("FFRTMP_JAVA_OPTS",
        "-Xlog:class+load=info:file=" + classLog), Stream.of(env)).toArray(String[]::new);
    return Shell.run(dir, launcher + " backends", 60, all);
  }

  private static String source(Path classLog) throws Exception {
    return Files.readAllLines(classLog).stream()
        .filter(l -> l.contains(" io.ffrtmp.cli.Ffrtmp source: "))
        .findFirst().orElseThrow(() -> new AssertionError("Ffrtmp not loaded? " + classLog));
  }

  @Test
  void theBuildsArchive_isMapped_andStdoutStaysTheCommandsOwn() throws Exception {
    Path lib = Shell.ROOT.resolve("ffrtmp-examples/target/lib");
    assertTrue(Files.isRegularFile(lib.resolve("ffrtmp.jsa")),
        "mvn package makes the archive: " + lib + " (see target/cds-training.log)");
    Path log = dir.resolve("classes.log");
    Shell.Result r = backends(cli, log);
    assertEquals(0, r.exit(), r.toString());
    assertTrue(source(log).endsWith("shared objects file (top)"), source(log));
    for (String line : r.out().split("\n")) {
      assertTrue(line.matches("[* ] \\S+ +(usable|unusable) .*"), "only the table: " + r);
    }
    assertEquals("", r.err(), r.toString());

    Shell.Result off = backends(cli, log, "FFRTMP_CDS", "off");
    assertEquals(0, off.exit(), off.toString());
    assertTrue(source(log).contains("source: file:"), source(log));
  }

  /**
   * The launcher has its logging binding in target/lib although it is an optional dependency
   * (not passed on to projects that reuse the CLI's classes): no SLF4J warning on its stderr.
   */
  @Test
  void theLauncherKeepsItsLoggingBinding() throws Exception {
    Path lib = Shell.ROOT.resolve("ffrtmp-examples/target/lib");
    try (java.util.stream.Stream<Path> s = Files.list(lib)) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("slf4j-nop-")),
          "slf4j-nop in " + lib);
    }
    Shell.Result r = backends(cli, dir.resolve("nop.log"));
    assertEquals(0, r.exit(), r.toString());
    assertTrue(!r.err().contains("SLF4J"), r.toString());
  }

  @Test
  void onTheModulePath_theBackendsAreFoundAsProvidesOfTheirModules() throws Exception {
    Path lib = Shell.ROOT.resolve("ffrtmp-examples/target/lib");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Shell.Result r = Shell.run(dir, java + " -p " + lib
        + " -m io.ffrtmp.cli/io.ffrtmp.cli.Ffrtmp backends", 60);
    assertEquals(0, r.exit(), r.toString());
    for (String backend : List.of("systemd", "cgroup-v2", "cgroup-v1", "nice-fallback")) {
      assertTrue(r.out().lines().anyMatch(l -> l.substring(2).startsWith(backend + " ")),
          backend + ": " + r);
    }
  }

  @Test
  void aCopyOfTheInstallation_runsWithoutTheArchive_andSaysNothing() throws Exception {
    Path lib = Shell.ROOT.resolve("ffrtmp-examples/target/lib");
    Path copy = dir.resolve("copy");
    Path copyLib = Files.createDirectories(copy.resolve("ffrtmp-examples/target/lib"));
    try (Stream<Path> files = Files.list(lib)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, copyLib.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    Files.createDirectories(copy.resolve("bin"));
    Path launcher = Files.copy(cli, copy.resolve("bin/ffrtmp"), StandardCopyOption.COPY_ATTRIBUTES);
    Path log = dir.resolve("classes.log");
    Shell.Result r = backends(launcher, log);
    assertEquals(0, r.exit(), r.toString());
    assertEquals("", r.err(), "no warning of a refused archive: " + r);
    assertTrue(source(log).contains("source: file:" + copyLib), source(log));
    assertTrue(List.of(r.out().split("\n")).stream().anyMatch(l -> l.startsWith("*")), r.toString());
  }

  /**
   * On JDK 22 and later the launcher passes {@code --enable-native-access} (else the JDK warns
   * at JNA's first native call); on older ones it does not (on JDK 17 it would turn off the
   * archived module graph): no warning either way, the archive of another JDK left alone.
   */
  @Test
  void aNewerJdk_runsTheCliWithoutAWord_onStandardError() throws Exception {
    Path newer = null;
    try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
      for (Path home : jdks.sorted().toList()) {
        Path release = home.resolve("release");
        if (Files.isExecutable(home.resolve("bin/java")) && Files.isReadable(release)
            && Files.readAllLines(release).stream().anyMatch(
                l -> l.matches("JAVA_VERSION=\"(2[2-9]|[3-9][0-9])[.\"].*"))) {
          newer = home;
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // no JDKs there
    }
    if (newer == null) {
      System.err.println("SKIPPED: no JDK 22 or later under /usr/lib/jvm");
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(newer != null,
        "no JDK 22 or later under /usr/lib/jvm");
    Shell.Result r = Shell.run(dir, cli + " run -- /bin/true", 60, "JAVA_HOME", newer.toString());
    assertEquals(0, r.exit(), r.toString());
    assertEquals("", r.err().lines().filter(l -> !l.startsWith("[wrapper]"))
        .collect(java.util.stream.Collectors.joining("\n")), "JDK " + newer + ": " + r);
  }
}
