package io.ffrtmp.internal.launch;

import io.ffrtmp.internal.os.PrivateDirs;
import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the pre-exec launch shim ({@code src/main/c/ffrtmp-shim.c}, built statically by the
 * build and packed as a resource): the {@systemProperty ffrtmp.shim} system property may name
 * an installed copy; otherwise the packed copy is extracted once per content hash to {@code
 * <java.io.tmpdir>/ffrtmp-<uid>/shim-<hash>/ffrtmp-shim}, in a directory of mode 0700 that must
 * belong to this user and not be a link. When that directory cannot be used (another local user
 * created {@code /tmp/ffrtmp-0} first, say), it is refused, never used, and the shim goes to the
 * next private place that can be: {@code $XDG_RUNTIME_DIR/ffrtmp}, {@code /run/ffrtmp} as root,
 * and finally a fresh directory made with {@code mkdtemp} semantics under the temp directory.
 */
public final class Shim {
  private static final Logger LOG = LoggerFactory.getLogger(Shim.class);

  /** System property naming an installed shim. */
  public static final String SHIM_PROPERTY = "ffrtmp.shim";

  private static volatile Path cached;
  private static volatile Path privateDir;

  private Shim() {}

  /**
   * The shim's path, extracting it on first use.
   *
   * @return an executable file
   * @throws IOException when it cannot be found or extracted
   */
  public static Path path() throws IOException {
    Path p = cached;
    if (p != null) {
      return p;
    }
    synchronized (Shim.class) {
      if (cached == null) {
        cached = locate();
      }
      return cached;
    }
  }

  /**
   * The private directory (mode 0700, this user's) of this JVM's launches: the shim's notes go
   * there.
   *
   * @return the directory
   * @throws IOException when no private place can be had
   */
  public static Path privateDir() throws IOException {
    path();
    return privateDir;
  }

  private static Path locate() throws IOException {
    String configured = System.getProperty(SHIM_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        throw new IOException(SHIM_PROPERTY + "=" + configured + " is not an executable file");
      }
      privateDir = privateShimDir("configured");
      return p;
    }
    String arch = arch();
    String resource = "ffrtmp-shim-" + arch;
    byte[] bytes;
    try (InputStream in = Shim.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(
            "no launch shim for architecture "
                + arch
                + " in this build (resource io/ffrtmp/internal/launch/"
                + resource
                + "); build on this architecture or set -D"
                + SHIM_PROPERTY
                + "=<path>");
      }
      bytes = in.readAllBytes();
    }
    String hash = version(bytes);
    Path dir = privateShimDir(hash);
    privateDir = dir;
    Path target = dir.resolve("ffrtmp-shim");
    if (dir.getFileName().toString().startsWith("ffrtmp-")) {
      target.toFile().deleteOnExit(); // a fresh directory is this JVM's alone
    }
    if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
        && Files.size(target) == bytes.length) {
      return target;
    }
    Path tmp = Files.createTempFile(dir, "shim", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  /** The first private place that can hold the shim; each refusal is logged with its reason. */
  private static Path privateShimDir(String hash) throws IOException {
    List<String> refused = new ArrayList<>();
    for (Path base : PrivateDirs.candidates("ffrtmp", true)) {
      try {
        PrivateDirs.ensure(base);
        Path dir = base.resolve("shim-" + hash);
        PrivateDirs.ensure(dir);
        if (!refused.isEmpty()) {
          LOG.warn("launch shim: {}; using {}", String.join("; ", refused), dir);
        }
        return dir;
      } catch (IOException e) {
        refused.add(e.getMessage());
      }
    }
    // a fresh directory that no one else can have prepared (mkdtemp: random name, 0700)
    Path fresh = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")),
        "ffrtmp-" + ProcFs.uid() + "-", PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------")));
    fresh.toFile().deleteOnExit();
    LOG.warn("launch shim: {}; using the fresh directory {}", String.join("; ", refused), fresh);
    return fresh;
  }

  static String arch() {
    String a = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    switch (a) {
      case "amd64":
      case "x86_64":
        return "x86_64";
      case "aarch64":
      case "arm64":
        return "aarch64";
      default:
        return a;
    }
  }

  /**
   * The name of this shim's version: its length and CRC-32C. Not a security measure (the
   * directory is private to the user); a cryptographic hash would load the JDK's security
   * providers, tens of milliseconds of every CLI start.
   */
  private static String version(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b);
    return Integer.toHexString(b.length) + "-" + Long.toHexString(crc.getValue());
  }

}
