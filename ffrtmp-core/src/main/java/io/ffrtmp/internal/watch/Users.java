package io.ffrtmp.internal.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * User names by uid, from {@code /etc/passwd}, read again when the file changes (users in a
 * directory service that is not in it have none: rules name them by uid).
 */
final class Users {
  private final Path passwd;
  private Map<Long, String> names = Map.of();
  private FileTime read = FileTime.fromMillis(-1);

  Users(Path passwd) {
    this.passwd = passwd;
  }

  static Users system() {
    return new Users(Path.of("/etc/passwd"));
  }

  synchronized Optional<String> name(long uid) {
    try {
      FileTime modified = Files.getLastModifiedTime(passwd);
      if (!modified.equals(read)) {
        Map<Long, String> m = new HashMap<>();
        for (String line : Files.readAllLines(passwd)) {
          String[] f = line.split(":", -1);
          if (f.length > 2) {
            try {
              m.putIfAbsent(Long.parseLong(f[2]), f[0]);
            } catch (NumberFormatException e) {
              // a comment or a broken line
            }
          }
        }
        names = m;
        read = modified;
      }
    } catch (IOException e) {
      // keep what was read before
    }
    return Optional.ofNullable(names.get(uid));
  }
}
