package io.ffrtmp.internal.os;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * This user's private directories (mode 0700, owned by this user, not a link): created when
 * missing, refused — never used — when another user owns them. The launch shim's directory and
 * the state directory of the records are such directories.
 */
public final class PrivateDirs {
  private PrivateDirs() {}

  /**
   * Creates {@code dir} (mode 0700) if missing and checks that it is this user's, a directory
   * and not a link, tightening its mode to 0700.
   *
   * @param dir the directory
   * @throws IOException naming the directory and why it is refused
   */
  public static void ensure(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory (refusing to use it)");
    }
    Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (!(owner instanceof Integer uid) || uid != ProcFs.uid()) {
      throw new IOException(
          dir + " belongs to uid " + owner + ", not to this user (refusing to use it)");
    }
    var perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    if (!perms.equals(PosixFilePermissions.fromString("rwx------"))) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * The places of this user's private directory named {@code name}, in order of preference:
   * {@code <java.io.tmpdir>/<name>-<uid>}, {@code $XDG_RUNTIME_DIR/<name>}, and as root {@code
   * /run/<name>}.
   *
   * @param name e.g. {@code ffrtmp}
   * @param tmpFirst whether the temp directory comes first (the shim's cache) or last (state
   *     that must survive as long as the host runs: the runtime directories first)
   * @return the candidates
   */
  public static List<Path> candidates(String name, boolean tmpFirst) {
    long uid = ProcFs.uid();
    List<Path> out = new ArrayList<>();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"), name + "-" + uid);
    if (tmpFirst) {
      out.add(tmp);
    }
    if (uid == 0) {
      out.add(Path.of("/run", name));
    }
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    if (runtime != null && runtime.startsWith("/") && uid != 0) {
      out.add(Path.of(runtime, name));
    }
    if (!tmpFirst) {
      out.add(tmp);
    }
    return out;
  }
}
