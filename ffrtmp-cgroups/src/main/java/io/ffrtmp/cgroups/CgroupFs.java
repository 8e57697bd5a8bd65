package io.ffrtmp.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
   * Writes a value to a control file in one write(2), without creating or truncating it.
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

  /** The real cgroupfs. */
  CgroupFs REAL =
      new CgroupFs() {
        @Override
        public String read(Path file) throws IOException {
          String s = Files.readString(file, StandardCharsets.UTF_8);
          return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        }

        @Override
        public void write(Path file, String value) throws IOException {
          Files.write(file, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
        }

        @Override
        public void mkdir(Path dir) throws IOException {
          Files.createDirectory(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
          Files.delete(dir);
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
