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
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
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
}
