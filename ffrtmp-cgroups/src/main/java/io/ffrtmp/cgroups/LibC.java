package io.ffrtmp.cgroups;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The writing file system calls of the real cgroupfs (write, mkdir, rmdir), so that each
 * failure keeps the kernel's errno (the JDK reports them as text). Loaded on first use.
 */
final class LibC {
  private static final int O_WRONLY = 1;
  private static final int O_CLOEXEC = 0x80000;

  private LibC() {}

  private static final class Native0 {
    static {
      // the class named: register("c") would find it by reflection (see core's JnaStart)
      Native.register(Native0.class, "c");
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native long write(int fd, byte[] buf, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int mkdir(String path, int mode) throws LastErrorException;

    static native int rmdir(String path) throws LastErrorException;

    static native String strerror(int errnum);
  }

  static void write(Path file, String value) throws IOException {
    int fd = open(file, O_WRONLY);
    try {
      byte[] b = value.getBytes(StandardCharsets.UTF_8);
      long n;
      try {
        n = Native0.write(fd, b, b.length);
      } catch (LastErrorException e) {
        throw fail(file, e.getErrorCode());
      }
      if (n != b.length) {
        throw new CgroupFsException(file.toString(), 5, "short write: " + n + " of " + b.length
            + " bytes");
      }
    } finally {
      close(fd);
    }
  }

  static void mkdir(Path dir) throws IOException {
    try {
      Native0.mkdir(dir.toString(), 0755);
    } catch (LastErrorException e) {
      throw fail(dir, e.getErrorCode());
    }
  }

  static void rmdir(Path dir) throws IOException {
    try {
      Native0.rmdir(dir.toString());
    } catch (LastErrorException e) {
      throw fail(dir, e.getErrorCode());
    }
  }

  private static int open(Path file, int flags) throws IOException {
    try {
      return Native0.open(file.toString(), flags | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw fail(file, e.getErrorCode());
    }
  }

  private static void close(int fd) {
    try {
      Native0.close(fd);
    } catch (LastErrorException e) {
      // nothing to do
    }
  }

  /** The JDK's typed exception where it has one (they carry the errno by type), else ours. */
  static IOException fail(Path file, int errno) {
    String f = file.toString();
    switch (errno) {
      case CgroupFsException.ENOENT:
        return new NoSuchFileException(f);
      case CgroupFsException.EACCES:
      case CgroupFsException.EPERM:
        return new AccessDeniedException(f, null, Native0.strerror(errno));
      case CgroupFsException.EEXIST:
        return new FileAlreadyExistsException(f);
      default:
        return new CgroupFsException(f, errno, Native0.strerror(errno));
    }
  }
}
