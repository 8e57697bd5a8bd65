package io.ffrtmp.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's process-events connector ({@code cn_proc}): a netlink socket on which the kernel
 * reports every fork, exec and exit of the whole host as it happens, as {@code cgrulesengd} and
 * {@code forkstat} use it. Subscribing needs {@code CAP_NET_ADMIN} in the initial user namespace
 * (root, not in a container); the kernel's acknowledgement of the subscription says whether it
 * took, so {@link #open} fails with the kernel's reason instead of a socket that stays silent.
 *
 * <p>Messages are fixed-size: a {@code nlmsghdr} (16 bytes), a {@code cn_msg} (20 bytes) and a
 * {@code proc_event} ({@code what}, {@code cpu}, a 64-bit timestamp, then the event's pids), in
 * the machine's byte order. A reader too slow for the host's rate of events loses some: the
 * socket then fails a receive with {@code ENOBUFS} ({@link Overflow}), after which the caller
 * must look at {@code /proc} once to find what it missed.
 */
public final class ProcEvents implements Closeable {
  /** PROC_EVENT_FORK. */
  public static final int FORK = 0x1;
  /** PROC_EVENT_EXEC. */
  public static final int EXEC = 0x2;
  /** PROC_EVENT_EXIT. */
  public static final int EXIT = 0x80000000;

  private static final int AF_NETLINK = 16;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_CONNECTOR = 11;
  private static final int CN_IDX_PROC = 1;
  private static final int CN_VAL_PROC = 1;
  private static final int NLMSG_DONE = 3;
  private static final int PROC_CN_MCAST_LISTEN = 1;
  private static final int PROC_CN_MCAST_IGNORE = 2;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVBUF = 8;
  private static final int SO_RCVBUFFORCE = 33;
  /** SO_RCVTIMEO(_OLD): a struct timeval of two longs on the 64-bit ABIs. */
  private static final int SO_RCVTIMEO = 20;
  private static final int MSG_DONTWAIT = 0x40;
  private static final int ENOBUFS = 105;
  private static final int EAGAIN = 11;
  /** Where the proc_event starts: after the nlmsghdr and the cn_msg. */
  private static final int EVENT = 16 + 20;
  /** The receive buffer asked for: ~100,000 events' room before the kernel drops any. */
  private static final int RCVBUF = 8 << 20;

  /**
   * One event: its kind ({@link #FORK}, {@link #EXEC}, {@link #EXIT}), pids, and when it
   * happened on the kernel's monotonic clock (the clock of {@link System#nanoTime()} on Linux).
   */
  public record Event(int what, long pid, long tgid, long parentTgid, long timestampNs) {
    /**
     * Whether this concerns a whole process rather than one of its threads.
     *
     * @return true where the thread is the process's main thread
     */
    public boolean ofProcess() {
      return pid == tgid;
    }
  }

  /** The socket lost events ({@code ENOBUFS}): the reader fell behind. */
  public static final class Overflow extends IOException {
    private static final long serialVersionUID = 1L;

    Overflow() {
      super("the process-events socket overflowed (ENOBUFS): events were lost");
    }
  }

  private static final class LibC {
    static {
      JnaStart.prime();
      Native.register(LibC.class, "c");
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, byte[] addr, int len) throws LastErrorException;

    static native long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

    static native long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, int[] value, int len)
        throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, long[] value, int len)
        throws LastErrorException;
  }

  private final int fd;
  private final byte[] buf = new byte[4096];
  private volatile boolean closed;
  /** The receive timeout set on the socket, in ms; -1 for none yet. */
  private int timeoutMs = -1;

  private ProcEvents(int fd) {
    this.fd = fd;
  }

  /**
   * Opens the socket and subscribes, waiting up to {@code ackTimeoutMs} for the kernel to
   * acknowledge.
   *
   * @param ackTimeoutMs how long to wait for the acknowledgement
   * @return the subscribed socket
   * @throws IOException with the kernel's reason: e.g. {@code permission denied (EPERM): needs
   *     CAP_NET_ADMIN}, or that no acknowledgement came (a kernel without {@code
   *     CONFIG_PROC_EVENTS}, or a network namespace other than the host's)
   */
  public static ProcEvents open(int ackTimeoutMs) throws IOException {
    int fd;
    try {
      fd = LibC.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    } catch (LastErrorException e) {
      throw new IOException("cannot open a netlink connector socket: "
          + Errno.describe(e.getErrorCode()), e);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new IOException("cannot open a netlink connector socket: " + e, e);
    }
    ProcEvents p = new ProcEvents(fd);
    try {
      p.subscribe(ackTimeoutMs);
      return p;
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private void subscribe(int ackTimeoutMs) throws IOException {
    try {
      // root may raise the buffer past rmem_max; anyone else gets what rmem_max allows
      LibC.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, new int[] {RCVBUF}, 4);
    } catch (LastErrorException e) {
      try {
        LibC.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, new int[] {RCVBUF}, 4);
      } catch (LastErrorException ignored) {
        // the default buffer: an overflow is noticed and made up for by a scan
      }
    }
    ByteBuffer addr = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
    addr.putShort((short) AF_NETLINK).putShort((short) 0).putInt(0).putInt(CN_IDX_PROC);
    try {
      LibC.bind(fd, addr.array(), 12);
    } catch (LastErrorException e) {
      throw new IOException("cannot join the process-events group: "
          + Errno.describe(e.getErrorCode()) + needs(e.getErrorCode()), e);
    }
    try {
      LibC.send(fd, control(PROC_CN_MCAST_LISTEN), 40, 0);
    } catch (LastErrorException e) {
      throw new IOException("cannot subscribe to process events: "
          + Errno.describe(e.getErrorCode()) + needs(e.getErrorCode()), e);
    }
    long deadline = System.nanoTime() + ackTimeoutMs * 1_000_000L;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0 || !Posix.awaitReadable(fd, (int) left)) {
        throw new IOException("the kernel did not acknowledge the subscription to process"
            + " events within " + ackTimeoutMs + " ms (no CONFIG_PROC_EVENTS, or not the host's"
            + " network namespace)");
      }
      ByteBuffer m = receive(0);
      if (m == null) {
        continue;
      }
      if (m.getInt(EVENT) == 0) { // PROC_EVENT_NONE: the acknowledgement, its error in err
        int err = m.getInt(EVENT + 16);
        if (err != 0) {
          throw new IOException("the kernel refused the subscription to process events: "
              + Errno.describe(err) + needs(err));
        }
        return;
      }
    }
  }

  private static String needs(int errno) {
    return errno == Posix.EPERM ? ": needs CAP_NET_ADMIN in the host's user namespace (root,"
        + " outside a container)" : "";
  }

  private static byte[] control(int op) {
    ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
    b.putInt(40).putShort((short) NLMSG_DONE).putShort((short) 0).putInt(0).putInt(0);
    b.putInt(CN_IDX_PROC).putInt(CN_VAL_PROC).putInt(0).putInt(0).putShort((short) 4)
        .putShort((short) 0);
    b.putInt(op);
    return b.array();
  }

  /** One message, or null for none (with MSG_DONTWAIT) or one too short to be an event. */
  private ByteBuffer receive(int flags) throws IOException {
    long n;
    try {
      n = LibC.recv(fd, buf, buf.length, flags);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ENOBUFS) {
        throw new Overflow();
      }
      if (e.getErrorCode() == EAGAIN || e.getErrorCode() == Posix.EINTR) {
        return null;
      }
      throw new IOException("receiving process events: " + Errno.describe(e.getErrorCode()), e);
    }
    if (n < EVENT + 16) {
      return null;
    }
    return ByteBuffer.wrap(buf, 0, (int) n).order(ByteOrder.nativeOrder());
  }

  /**
   * Waits up to {@code timeoutMs} for the next event and hands it to {@code sink}: one blocking
   * receive (the socket's receive timeout), no poll before it and no receive after it to find
   * the queue empty — under a storm of events each costs one system call, and an empty queue
   * costs an exception only once per timeout.
   *
   * @param timeoutMs how long to wait
   * @param sink what to tell
   * @return how many events were handed over (0 or 1)
   * @throws Overflow when events were lost
   * @throws IOException when the socket fails
   */
  public int poll(int timeoutMs, java.util.function.Consumer<Event> sink) throws IOException {
    if (closed) {
      return 0;
    }
    if (timeoutMs != this.timeoutMs) {
      long ms = Math.max(1, timeoutMs);
      try {
        LibC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {ms / 1000, ms % 1000 * 1000},
            16);
      } catch (LastErrorException e) {
        throw new IOException("setting the process-events socket's receive timeout: "
            + Errno.describe(e.getErrorCode()), e);
      }
      this.timeoutMs = timeoutMs;
    }
    ByteBuffer m = receive(0);
    Event e = m == null ? null : decode(m);
    if (e == null) {
      return 0;
    }
    sink.accept(e);
    return 1;
  }

  /** The event of a message, or null for another kind. */
  private static @org.jspecify.annotations.Nullable Event decode(ByteBuffer m) {
    int what = m.getInt(EVENT);
    int data = EVENT + 16;
    long at = m.getLong(EVENT + 8);
    return switch (what) {
      // parent_pid, parent_tgid, child_pid, child_tgid
      case FORK -> new Event(FORK, m.getInt(data + 8), m.getInt(data + 12), m.getInt(data + 4),
          at);
      case EXEC -> new Event(EXEC, m.getInt(data), m.getInt(data + 4), 0, at);
      // process_pid, process_tgid, exit_code, exit_signal, parent_pid, parent_tgid
      case EXIT -> new Event(EXIT, m.getInt(data), m.getInt(data + 4), m.getInt(data + 20), at);
      default -> null;
    };
  }

  /** Unsubscribes and closes the socket. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      LibC.send(fd, control(PROC_CN_MCAST_IGNORE), 40, 0);
    } catch (LastErrorException | UnsatisfiedLinkError ignored) {
      // closing unsubscribes too
    }
    Posix.close(fd);
  }
}
