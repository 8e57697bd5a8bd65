package io.ffrtmp.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Starts a second JVM with the test class path, e.g. to kill it or to run it as another user. */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * The command line of a JVM running {@code mainClass} with this JVM's class path.
   *
   * @param classpath the class path to use
   * @param tmpdir the child's java.io.tmpdir
   * @param mainClass the main class
   * @param args its arguments
   * @return the command
   */
  public static List<String> command(
      String classpath, Path tmpdir, String mainClass, List<String> args) {
    return command(classpath, tmpdir, List.of(), mainClass, args);
  }

  /**
   * Like {@link #command(String, Path, String, List)}, with extra JVM options.
   *
   * @param classpath the class path to use
   * @param tmpdir the child's java.io.tmpdir
   * @param jvmArgs extra JVM options, e.g. {@code -Dx=y}
   * @param mainClass the main class
   * @param args its arguments
   * @return the command
   */
  public static List<String> command(
      String classpath, Path tmpdir, List<String> jvmArgs, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-Xshare:auto");
    cmd.add("-XX:-UsePerfData"); // no /tmp/hsperfdata_<user> left behind
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Djava.io.tmpdir=" + tmpdir);
    // records of workloads a killed child JVM leaves behind stay in the test's directory
    if (jvmArgs.stream().noneMatch(a -> a.startsWith("-Dffrtmp.state="))) {
      cmd.add("-Dffrtmp.state=" + tmpdir.resolve("ffrtmp-state"));
    }
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  /**
   * The command line of a JVM that runs {@code mainClass} with this JVM's class path split: every
   * entry but the test classes, test jars and the test runner's jars on the module path ({@code
   * rootModules} resolved, with what they require), those on the class path, where the main
   * class reads every named module — the library as a modular application gets it.
   *
   * @param tmpdir the child's java.io.tmpdir
   * @param rootModules the modules to resolve, e.g. {@code io.ffrtmp.micrometer}
   * @param mainClass the main class, in a package of the test classes of its own
   * @param args its arguments
   * @return the command
   */
  public static List<String> modulePathCommand(Path tmpdir, List<String> rootModules,
      String mainClass, List<String> args) {
    List<String> modules = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (String entry : classpath().split(java.io.File.pathSeparator)) {
      // test classes and test jars (they share the library's packages) and the test runner's
      // own jars stay on the class path
      boolean test = entry.endsWith("test-classes") || entry.endsWith("-tests.jar")
          || entry.contains("surefire") || entry.contains("failsafe");
      (test ? classes : modules).add(entry);
    }
    List<String> jvm = List.of("--module-path", String.join(java.io.File.pathSeparator,
        modules), "--add-modules", String.join(",", rootModules));
    return command(String.join(java.io.File.pathSeparator, classes), tmpdir, jvm, mainClass,
        args);
  }

  /**
   * Runs a child JVM to its end and returns what it printed (standard error merged into
   * standard output); fails unless it ends within {@code seconds} with exit status 0.
   *
   * @param command its command line
   * @param seconds how long it may take
   * @return its output
   * @throws Exception when it cannot be started or waited for
   */
  public static String output(List<String> command, int seconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("still running after " + seconds + " s: " + out);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("exit status " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /**
   * This JVM's class path.
   *
   * @return the class path
   */
  public static String classpath() {
    return System.getProperty("java.class.path");
  }

  /**
   * Copies this JVM's class path into {@code dir}, readable by every user (the local Maven
   * repository usually is not), for a child JVM that runs as another user.
   *
   * @param dir an empty directory
   * @return the copied class path
   * @throws IOException if copying fails
   */
  public static String worldReadableClasspath(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    int n = 0;
    for (String entry : classpath().split(java.io.File.pathSeparator)) {
      Path src = Path.of(entry);
      if (!Files.exists(src)) {
        continue;
      }
      Path dst = dir.resolve((n++) + "-" + src.getFileName());
      if (Files.isDirectory(src)) {
        try (Stream<Path> walk = Files.walk(src)) {
          for (Path p : (Iterable<Path>) walk::iterator) {
            Path t = dst.resolve(src.relativize(p).toString());
            if (Files.isDirectory(p)) {
              Files.createDirectories(t);
            } else {
              Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
            }
          }
        }
      } else {
        Files.copy(src, dst);
      }
      out.add(dst.toString());
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Files.setPosixFilePermissions(
            p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rwxr-xr-x"));
      }
    }
    return String.join(java.io.File.pathSeparator, out);
  }

  /**
   * The {@code PID <pid>} line of a {@link LaunchMain} child, skipping log lines before it.
   *
   * @param jvm the child JVM (standard error merged into standard output)
   * @return the line, or null when the child ended without one
   * @throws java.io.IOException when its output cannot be read
   */
  public static @org.jspecify.annotations.Nullable String pidLine(Process jvm)
      throws java.io.IOException {
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
        jvm.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("PID ")) {
        return line;
      }
      seen.append(line).append('\n');
    }
    return seen.length() == 0 ? null : "no PID line in: " + seen;
  }

  /**
   * Starts an agent: a child JVM running {@link LaunchMain} (nice and OOM score not set) with a
   * given state directory and job id.
   *
   * @param tmp the child's temp directory
   * @param stateDir the state directory of its records
   * @param jobId the job id
   * @param jvmArgs more JVM options, e.g. {@code -Dffrtmp.test.memoryMb=64}
   * @param command the workload's command
   * @return the child JVM (standard error merged into standard output)
   * @throws java.io.IOException when it cannot be started
   */
  public static Process agent(Path tmp, Path stateDir, String jobId, List<String> jvmArgs,
      String... command) throws java.io.IOException {
    List<String> args = new ArrayList<>(jvmArgs);
    args.add("-Dffrtmp.state=" + stateDir);
    args.add("-Dffrtmp.test.jobId=" + jobId);
    List<String> main = new ArrayList<>(List.of("0", "0"));
    main.addAll(List.of(command));
    return new ProcessBuilder(command(classpath(), tmp, args, "io.ffrtmp.testing.LaunchMain",
        main)).redirectErrorStream(true).start();
  }

  /**
   * Starts an agent, waits for its workload's pid, and kills the agent with SIGKILL.
   *
   * @param tmp the child's temp directory
   * @param stateDir the state directory of its records
   * @param jobId the job id
   * @param jvmArgs more JVM options
   * @param command the workload's command
   * @return the workload's pid
   * @throws Exception when the agent does not start the workload
   */
  public static long agentKilledAfterStart(Path tmp, Path stateDir, String jobId,
      List<String> jvmArgs, String... command) throws Exception {
    Process jvm = agent(tmp, stateDir, jobId, jvmArgs, command);
    String line = pidLine(jvm);
    if (line == null || !line.startsWith("PID ")) {
      jvm.destroyForcibly();
      throw new AssertionError("child JVM said: " + line);
    }
    jvm.destroyForcibly().waitFor();
    return Long.parseLong(line.substring(4).trim());
  }
}
