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

  static Result run(Path workDir, String script, int timeoutSec, String... env) throws Exception {
    Path out = Files.createTempFile(workDir, "out", ".txt");
    Path err = Files.createTempFile(workDir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c", script)
        .directory(workDir.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("PATH", ROOT.resolve("bin") + ":" + pb.environment().get("PATH"));
    pb.environment().put("FFRTMP_ROOT", ROOT.toString());
    for (int i = 0; i + 1 < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
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
}
