package io.ffrtmp.cgroups;

import java.nio.file.FileSystemException;

/**
 * A cgroupfs operation the kernel refused, with its errno: callers decide by the number (busy,
 * invalid, no space), never by the message's words. {@link CgroupFs#errno(java.io.IOException)}
 * reads it from this and from the JDK's typed exceptions alike.
 */
public final class CgroupFsException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /** EBUSY: a cgroup with processes (or a zombie not yet reaped) cannot be removed. */
  public static final int EBUSY = 16;
  /** ENOTEMPTY: a cgroup with child cgroups cannot be removed. */
  public static final int ENOTEMPTY = 39;
  /** EINVAL: the kernel does not accept the value. */
  public static final int EINVAL = 22;
  /** ENOSPC: e.g. a cgroup.procs write into a cgroup without controllers' resources. */
  public static final int ENOSPC = 28;
  /** ENOENT. */
  public static final int ENOENT = 2;
  /** EACCES. */
  public static final int EACCES = 13;
  /** EPERM. */
  public static final int EPERM = 1;
  /** EEXIST. */
  public static final int EEXIST = 17;

  private final int errno;

  /**
   * Creates the exception.
   *
   * @param file the file or directory
   * @param errno the kernel's errno
   * @param reason the errno's text, e.g. {@code Device or resource busy}
   */
  public CgroupFsException(String file, int errno, String reason) {
    super(file, null, reason);
    this.errno = errno;
  }

  /**
   * The kernel's errno.
   *
   * @return e.g. {@value #EBUSY}
   */
  public int errno() {
    return errno;
  }
}
