package io.ffrtmp.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the guide's command blocks with bash, in a work directory, with the repository's bin/ on PATH. */
final class Shell {
  /** The repository root, given by the build. */
  static final Path ROOT = Path.of(System.getProperty("ffrtmp.repo.root", "..")).toAbsolutePath().normalize();

  /** What a command block did. */
  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Shell() {}

  /**
   * {@code bin/ffrtmp}, which {@code mvn package} makes; the calling test is skipped, with the
   * reason printed, where it is missing.
   */
  static Path launcher() {
    Path cli = ROOT.resolve("bin/ffrtmp");
    if (!Files.isExecutable(cli)) {
      System.err.println("SKIPPED: " + cli + " missing (run mvn package)");
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(cli),
        cli + " missing (run mvn package)");
    return cli;
  }

  /**
   * A command that starts with every signal's default action, whatever this JVM inherited: a
   * build started in the background of a script without job control runs with SIGINT and
   * SIGQUIT ignored, and a wrapper started from it would keep ignoring them (as it should: that
   * is what the operator asked for), so the tests of Ctrl-C and SIGQUIT reset them first
   * (coreutils' {@code env --default-signal}).
   */
  static List<String> withDefaultSignals(List<String> command) {
    List<String> out = new java.util.ArrayList<>(List.of("env", "--default-signal"));
    out.addAll(command);
    return out;
  }

  /**
   * Removes the cgroups, in every hierarchy, whose names start with {@code prefix}: what the
   * wrappers a test detached or killed left (a later start's stale sweep would, but a test
   * cleans up after itself). Processes still in them (a failed test's) are killed first.
   *
   * @param prefix e.g. {@code ffrtmp-wrapper-<a tag of the test's>}
   * @return those that could not be removed
   */
  static List<Path> removeCgroups(String prefix) throws InterruptedException, IOException {
    List<Path> roots = new java.util.ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
    try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
      s.filter(Files::isDirectory).forEach(roots::add);
    }
    List<Path> left = new java.util.ArrayList<>();
    for (Path root : roots) {
      List<Path> ours;
      try (var s = Files.walk(root, 4)) {
        ours = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
        continue; // a hierarchy that vanished or cannot be walked: nothing of ours there
      }
      for (Path d : ours) {
        try {
          for (String pid : Files.readAllLines(d.resolve("cgroup.procs"))) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
          }
        } catch (IOException | NumberFormatException e) {
          // gone, or nothing in it
        }
        for (int i = 0; i < 300 && Files.exists(d); i++) {
          try {
            Files.delete(d);
          } catch (IOException busy) {
            Thread.sleep(10);
          }
        }
        if (Files.exists(d)) {
          left.add(d);
        }
      }
    }
    return left;
  }

  static Result run(Path workDir, String script, int timeoutSec, String... env) throws Exception {
    // captured output goes to the build's own directory, never to the work directory (which may
    // be the repository root), and is deleted once read
    Path outDir = Files.createDirectories(ROOT.resolve("ffrtmp-examples/target/shell-output"));
    Path out = Files.createTempFile(outDir, "out", ".txt");
    Path err = Files.createTempFile(outDir, "err", ".txt");
    try {
      return run(pb(workDir, script, out, err, env), script, timeoutSec, out, err);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static ProcessBuilder pb(Path workDir, String script, Path out, Path err,
      String... env) {
    ProcessBuilder pb = new ProcessBuilder(withDefaultSignals(List.of("/bin/bash", "-c", script)))
        .directory(workDir.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("PATH", ROOT.resolve("bin") + ":" + pb.environment().get("PATH"));
    pb.environment().put("FFRTMP_ROOT", ROOT.toString());
    // records of the wrappers these tests start (and kill) stay in the build's directory
    pb.environment().putIfAbsent("FFRTMP_JAVA_OPTS",
        "-Dffrtmp.state=" + ROOT.resolve("ffrtmp-examples/target/ffrtmp-state"));
    for (int i = 0; i + 1 < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
    return pb;
  }

  private static Result run(ProcessBuilder pb, String script, int timeoutSec, Path out, Path err)
      throws Exception {
    Process p = pb.start();
    if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("timed out after " + timeoutSec + " s: " + script + "\n"
          + Files.readString(out) + Files.readString(err));
    }
    return new Result(p.exitValue(), read(out), read(err));
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  static boolean onPath(String tool) {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /**
   * A world-readable copy of the launcher and its module path under {@code dir}, for runs as
   * uid 65534 (the build's own tree may sit under a private home directory).
   */
  static Path unprivilegedInstall(Path dir) throws Exception {
    Path inst = Files.createDirectory(dir.resolve("inst"));
    Files.createDirectories(inst.resolve("bin"));
    Files.copy(ROOT.resolve("bin/ffrtmp"), inst.resolve("bin/ffrtmp"));
    Path lib = Files.createDirectories(inst.resolve("ffrtmp-examples/target/lib"));
    try (java.util.stream.Stream<Path> s = Files.list(ROOT.resolve("ffrtmp-examples/target/lib"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.copy(p, lib.resolve(p.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
            Files.isDirectory(p) || p.endsWith("ffrtmp") ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    Files.setPosixFilePermissions(dir,
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    return inst;
  }

  /** Runs {@code command} with sh as uid 65534, with the unprivileged install first on PATH. */
  static Result asNobody(Path dir, Path inst, String command) throws Exception {
    return run(dir, "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=" + dir
        + " PATH=" + inst.resolve("bin") + ":/usr/bin:/bin JAVA_HOME="
        + System.getProperty("java.home") + " FFRTMP_JAVA_OPTS=\"-XX:-UsePerfData -Djava.io.tmpdir=" + dir + "\""
        + " sh -c '" + command + "'", 120);
  }
}
