package io.ffrtmp.internal.os;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Map;

/**
 * Error numbers in words, the one place for them: {@code EMFILE (Too many open files)} rather
 * than {@code errno 24}. Linux's numbers (the same on x86-64 and arm64); one not in the table is
 * {@code errno N}.
 */
public final class Errno {
  private record Known(String name, String text) {}

  private static final Map<Integer, Known> KNOWN = Map.ofEntries(
      Map.entry(1, new Known("EPERM", "Operation not permitted")),
      Map.entry(2, new Known("ENOENT", "No such file or directory")),
      Map.entry(3, new Known("ESRCH", "No such process")),
      Map.entry(4, new Known("EINTR", "Interrupted system call")),
      Map.entry(5, new Known("EIO", "Input/output error")),
      Map.entry(6, new Known("ENXIO", "No such device or address")),
      Map.entry(7, new Known("E2BIG", "Argument list too long")),
      Map.entry(8, new Known("ENOEXEC", "Exec format error")),
      Map.entry(9, new Known("EBADF", "Bad file descriptor")),
      Map.entry(10, new Known("ECHILD", "No child processes")),
      Map.entry(11, new Known("EAGAIN", "Resource temporarily unavailable")),
      Map.entry(12, new Known("ENOMEM", "Cannot allocate memory")),
      Map.entry(13, new Known("EACCES", "Permission denied")),
      Map.entry(14, new Known("EFAULT", "Bad address")),
      Map.entry(16, new Known("EBUSY", "Device or resource busy")),
      Map.entry(17, new Known("EEXIST", "File exists")),
      Map.entry(18, new Known("EXDEV", "Invalid cross-device link")),
      Map.entry(19, new Known("ENODEV", "No such device")),
      Map.entry(20, new Known("ENOTDIR", "Not a directory")),
      Map.entry(21, new Known("EISDIR", "Is a directory")),
      Map.entry(22, new Known("EINVAL", "Invalid argument")),
      Map.entry(23, new Known("ENFILE", "Too many open files in system")),
      Map.entry(24, new Known("EMFILE", "Too many open files")),
      Map.entry(26, new Known("ETXTBSY", "Text file busy")),
      Map.entry(28, new Known("ENOSPC", "No space left on device")),
      Map.entry(30, new Known("EROFS", "Read-only file system")),
      Map.entry(32, new Known("EPIPE", "Broken pipe")),
      Map.entry(36, new Known("ENAMETOOLONG", "File name too long")),
      Map.entry(38, new Known("ENOSYS", "Function not implemented")),
      Map.entry(39, new Known("ENOTEMPTY", "Directory not empty")),
      Map.entry(40, new Known("ELOOP", "Too many levels of symbolic links")),
      Map.entry(88, new Known("ENOTSOCK", "Socket operation on non-socket")),
      Map.entry(93, new Known("EPROTONOSUPPORT", "Protocol not supported")),
      Map.entry(95, new Known("EOPNOTSUPP", "Operation not supported")),
      Map.entry(97, new Known("EAFNOSUPPORT", "Address family not supported by protocol")),
      Map.entry(104, new Known("ECONNRESET", "Connection reset by peer")),
      Map.entry(105, new Known("ENOBUFS", "No buffer space available")),
      Map.entry(110, new Known("ETIMEDOUT", "Connection timed out")),
      Map.entry(111, new Known("ECONNREFUSED", "Connection refused")));

  private Errno() {}

  /**
   * An error number in words.
   *
   * @param errno the error number
   * @return e.g. {@code EMFILE (Too many open files)}, or {@code errno 1234} when unknown
   */
  public static String describe(int errno) {
    Known k = KNOWN.get(errno);
    return k == null ? "errno " + errno : k.name() + " (" + k.text() + ")";
  }

  /**
   * An error number in the C library's words only, as the JDK's own messages give it ({@code
   * error=2, No such file or directory}).
   *
   * @param errno the error number
   * @return e.g. {@code Too many open files}, or {@code errno 1234} when unknown
   */
  public static String text(int errno) {
    Known k = KNOWN.get(errno);
    return k == null ? "errno " + errno : k.text();
  }

  /**
   * The error of a failed file operation in words: the JDK keeps the kernel's text in {@link
   * FileSystemException#getReason()}, but its {@link AccessDeniedException} and {@link
   * NoSuchFileException} often carry only the path.
   *
   * @param e the exception
   * @return e.g. {@code EACCES (Permission denied)}, or the exception's own text
   */
  public static String describe(IOException e) {
    if (e instanceof AccessDeniedException) {
      return describe(13);
    }
    if (e instanceof NoSuchFileException) {
      return describe(2);
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return String.valueOf(e.getMessage());
  }
}
