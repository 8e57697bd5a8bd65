package io.ffrtmp.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every access of the backends to cgroupfs goes through this interface, so tests can inject
 * failures (EACCES, EBUSY, EINVAL, ...) at any step. {@link #REAL} is the file system itself.
 */
public interface CgroupFs {

  /**
   * Reads a control file.
   *
   * @param file the file
   * @return its content without the trailing newline
   * @throws IOException on failure
   */
  String read(Path file) throws IOException;

  /**
   * Writes a value to a control file in one write(2), without creating or truncating it. An
   * empty value is written as a newline: the kernel ignores a write of no bytes, and reads a
   * lone newline as the empty value (e.g. an empty {@code cpuset.cpus}, all of the parent's).
   *
   * @param file the file
   * @param value the value
   * @throws IOException on failure (the kernel's refusal, e.g. "Invalid argument")
   */
  void write(Path file, String value) throws IOException;

  /**
   * Creates a cgroup directory.
   *
   * @param dir the directory
   * @throws IOException on failure; {@link java.nio.file.FileAlreadyExistsException} if it exists
   */
  void mkdir(Path dir) throws IOException;

  /**
   * Removes an (empty) cgroup directory.
   *
   * @param dir the directory
   * @throws IOException on failure, e.g. "Device or resource busy" while populated
   */
  void rmdir(Path dir) throws IOException;

  /**
   * Lists the child directories (child cgroups) of a cgroup.
   *
   * @param dir the cgroup directory
   * @return the children's names
   * @throws IOException on failure
   */
  List<String> children(Path dir) throws IOException;

  /**
   * Whether a file exists.
   *
   * @param file the file
   * @return true if it exists
   */
  boolean exists(Path file);

  /**
   * Whether this process may create cgroups in a directory.
   *
   * @param dir the directory
   * @return true if writable
   */
  boolean writable(Path dir);

  /**
   * The kernel's reason in an exception, e.g. {@code Permission denied}.
   *
   * @param e the exception
   * @return the reason
   */
  static String reason(IOException e) {
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "Permission denied";
    }
    return String.valueOf(e.getMessage());
  }

  /**
   * The kernel's errno of a failed cgroupfs operation: from {@link CgroupFsException}, or from
   * the type of the JDK's exception ({@code NoSuchFileException} ENOENT, {@code
   * AccessDeniedException} EACCES, {@code FileAlreadyExistsException} EEXIST, {@code
   * DirectoryNotEmptyException} ENOTEMPTY); never from the message's words.
   *
   * @param e the exception
   * @return the errno, or 0 when unknown
   */
  static int errno(IOException e) {
    if (e instanceof CgroupFsException c) {
      return c.errno();
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return CgroupFsException.ENOENT;
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return CgroupFsException.EACCES;
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return CgroupFsException.EEXIST;
    }
    if (e instanceof java.nio.file.DirectoryNotEmptyException) {
      return CgroupFsException.ENOTEMPTY;
    }
    return 0;
  }

  /**
   * Whether the kernel refused because the cgroup is populated ({@code EBUSY}, {@code
   * ENOTEMPTY}).
   *
   * @param e the exception
   * @return true when busy
   */
  static boolean isBusy(IOException e) {
    int errno = errno(e);
    return errno == CgroupFsException.EBUSY || errno == CgroupFsException.ENOTEMPTY;
  }

  /** The real cgroupfs. */
  CgroupFs REAL =
      new CgroupFs() {
        @Override
        public String read(Path file) throws IOException {
          // control files are small: one FileInputStream read is several times cheaper than
          // Files.readString (no channel, no size() call), and reads are on every exit's path
          try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
            byte[] buf = new byte[4096];
            int len = 0;
            for (int r; len < buf.length && (r = in.read(buf, len, buf.length - len)) > 0; ) {
              len += r;
            }
            if (len == buf.length) {
              byte[] rest = in.readAllBytes();
              byte[] all = java.util.Arrays.copyOf(buf, len + rest.length);
              System.arraycopy(rest, 0, all, len, rest.length);
              buf = all;
              len = all.length;
            }
            if (len > 0 && buf[len - 1] == '\n') {
              len--;
            }
            return new String(buf, 0, len, StandardCharsets.UTF_8);
          } catch (java.io.FileNotFoundException e) {
            throw translate(file, e);
          }
        }

        /** FileInputStream reports a missing or unreadable file without NIO's exception types. */
        private IOException translate(Path file, java.io.FileNotFoundException e) {
          IOException out;
          if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            out = new java.nio.file.NoSuchFileException(file.toString());
          } else if (!Files.isReadable(file)) {
            out = new java.nio.file.AccessDeniedException(file.toString());
          } else {
            out = new java.nio.file.FileSystemException(file.toString(), null, e.getMessage());
          }
          out.initCause(e);
          return out;
        }

        @Override
        public void write(Path file, String value) throws IOException {
          LibC.write(file, value.isEmpty() ? "\n" : value);
        }

        @Override
        public void mkdir(Path dir) throws IOException {
          LibC.mkdir(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
          LibC.rmdir(dir);
        }

        @Override
        public List<String> children(Path dir) throws IOException {
          List<String> out = new ArrayList<>();
          try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory).forEach(p -> out.add(p.getFileName().toString()));
          }
          return out;
        }

        @Override
        public boolean exists(Path file) {
          return Files.exists(file);
        }

        @Override
        public boolean writable(Path dir) {
          return Files.isWritable(dir);
        }
      };
}
