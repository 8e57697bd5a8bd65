package io.ffrtmp.cgroups.systemd;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A minimal D-Bus client over the JDK's own UNIX-domain {@link SocketChannel}: SASL {@code
 * EXTERNAL} authentication (the kernel's peer credentials, no cookie files), {@code Hello},
 * method calls with a timeout, and signals delivered to listeners. One reader thread (a daemon)
 * per connection dispatches replies and signals.
 *
 * <p>Why not dbus-java: its connection set-up (reflection, proxies, its own thread pools) costs
 * a fresh JVM several times {@code java -version} (CHANGELOG, "Dependencies", has the figures);
 * this client costs a socket, one thread and a few small messages, and the backend needs only
 * five methods and one signal of systemd's manager.
 */
final class DBusConnection implements Closeable {
  /** How long a method call waits for its reply by default. */
  static final long CALL_TIMEOUT_MS = 25_000;

  private final SocketChannel channel;
  private final String address;
  private final AtomicLong serials = new AtomicLong();
  private final Map<Long, CompletableFuture<DBusMessage>> pending = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<DBusMessage>> signalListeners =
      new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<IOException>> closeListeners =
      new CopyOnWriteArrayList<>();
  private final Object writeLock = new Object();
  private volatile @Nullable IOException broken;
  private volatile String uniqueName = "";

  /** A D-Bus error reply, with the error's name and text. */
  static final class DBusException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String name;

    DBusException(String name, String message) {
      super(message.isEmpty() ? name : message + " (" + name + ")");
      this.name = name;
    }

    /**
     * The error's name.
     *
     * @return e.g. {@code org.freedesktop.systemd1.UnitExists}
     */
    String name() {
      return name;
    }
  }

  private DBusConnection(SocketChannel channel, String address) {
    this.channel = channel;
    this.address = address;
  }

  /**
   * The socket a D-Bus address names; only {@code unix:path=} is supported (the JDK has no
   * abstract-namespace sockets).
   *
   * @param address e.g. {@code unix:path=/run/dbus/system_bus_socket}
   * @return the socket path
   * @throws IOException naming the address when no usable socket is in it
   */
  static Path socketOf(String address) throws IOException {
    for (String one : address.split(";")) {
      if (!one.startsWith("unix:")) {
        continue;
      }
      for (String kv : one.substring(5).split(",")) {
        if (kv.startsWith("path=")) {
          return Path.of(unescape(kv.substring(5)));
        }
      }
    }
    throw new IOException("D-Bus address " + address + " has no unix:path= socket (abstract"
        + " and TCP addresses are not supported)");
  }

  /** D-Bus addresses escape bytes as %xx. */
  private static String unescape(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Connects, authenticates and, on a message bus, says {@code Hello}.
   *
   * @param address the D-Bus address
   * @param bus whether a bus daemon is at the other end (false: a peer, e.g. systemd's private
   *     socket)
   * @return the connection
   * @throws IOException when the socket cannot be reached or authentication fails
   */
  static DBusConnection open(String address, boolean bus) throws IOException {
    Path socket = socketOf(address);
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
      authenticate(ch);
    } catch (IOException e) {
      ch.close();
      throw e instanceof DBusException ? e
          : new IOException("cannot connect to D-Bus at " + socket + ": " + e.getMessage(), e);
    }
    DBusConnection c = new DBusConnection(ch, address);
    Thread reader = new Thread(c::readLoop, "ffrtmp-dbus");
    reader.setDaemon(true);
    reader.start();
    if (bus) {
      try {
        c.uniqueName = c.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "Hello", "").firstString();
      } catch (IOException e) {
        c.close();
        throw e;
      }
    }
    return c;
  }

  /** SASL EXTERNAL with the process's uid (hex of its decimal digits), then BEGIN. */
  private static void authenticate(SocketChannel ch) throws IOException {
    String uid = Long.toString(effectiveUid());
    StringBuilder hex = new StringBuilder();
    for (char c : uid.toCharArray()) {
      hex.append(Integer.toHexString(c));
    }
    writeAll(ch, "\0AUTH EXTERNAL " + hex + "\r\n");
    String reply = readLine(ch);
    if (!reply.startsWith("OK ")) {
      throw new IOException("D-Bus authentication refused: " + reply);
    }
    writeAll(ch, "BEGIN\r\n");
  }

  /**
   * The process's effective uid, from {@code /proc/self/status} ({@code Uid:} real, effective,
   * saved, file system).
   *
   * @return the uid
   * @throws IOException when it cannot be read
   */
  static long effectiveUid() throws IOException {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Uid:")) {
        return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
      }
    }
    throw new IOException("no Uid line in /proc/self/status");
  }

  private static void writeAll(SocketChannel ch, String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /**
   * One line of the SASL dialogue, read byte by byte (nothing may be read past it), without its
   * CR LF. Package-private: a test's peer reads the client's lines with it.
   */
  static String readLine(SocketChannel ch) throws IOException {
    StringBuilder line = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (line.length() < 4096) {
      one.clear();
      if (ch.read(one) < 0) {
        throw new IOException("D-Bus peer closed the connection during authentication");
      }
      char c = (char) one.get(0);
      if (c == '\n' && line.length() > 0 && line.charAt(line.length() - 1) == '\r') {
        return line.substring(0, line.length() - 1);
      }
      line.append(c);
    }
    throw new IOException("D-Bus authentication: line too long");
  }

  /**
   * The connection's unique bus name.
   *
   * @return e.g. {@code :1.42}; empty on a peer connection
   */
  String uniqueName() {
    return uniqueName;
  }

  /**
   * Whether the connection still works.
   *
   * @return false once the peer closed it, or a read or a write failed
   */
  boolean isOpen() {
    return broken == null && channel.isOpen();
  }

  /**
   * Adds a listener for every signal received (called on the reader thread: keep it short).
   *
   * @param listener the listener
   */
  void onSignal(Consumer<DBusMessage> listener) {
    signalListeners.add(listener);
  }

  /**
   * Adds a listener told once when the connection breaks or is closed.
   *
   * @param listener the listener
   */
  void onClose(Consumer<IOException> listener) {
    closeListeners.add(listener);
  }

  /**
   * Calls a method and waits for its reply.
   *
   * @param destination the bus name
   * @param path the object
   * @param iface the interface
   * @param member the method
   * @param signature the arguments' signature
   * @param args the arguments
   * @return the reply
   * @throws DBusException when the peer answers with an error
   * @throws IOException when the connection fails or no reply comes in time
   */
  DBusMessage call(String destination, String path, String iface, String member,
      String signature, Object... args) throws IOException {
    long serial = serials.incrementAndGet();
    CompletableFuture<DBusMessage> reply = new CompletableFuture<>();
    pending.put(serial, reply);
    try {
      send(DBusMessage.call(serial, destination, path, iface, member, signature, args));
      DBusMessage m = reply.get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (m.type() == DBusMessage.ERROR) {
        throw new DBusException(String.valueOf(m.errorName()), m.firstString());
      }
      return m;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? new IOException(io.getMessage(), io)
          : new IOException(String.valueOf(cause), cause);
    } catch (TimeoutException e) {
      throw new IOException("no reply from " + destination + " to " + member + " within "
          + CALL_TIMEOUT_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while calling " + member);
    } finally {
      pending.remove(serial);
    }
  }

  private void send(DBusMessage m) throws IOException {
    IOException b = broken;
    if (b != null) {
      throw new IOException("D-Bus connection to " + address + " is closed: " + b.getMessage(),
          b);
    }
    ByteBuffer out = ByteBuffer.wrap(m.encode());
    IOException failed = null;
    synchronized (writeLock) {
      try {
        while (out.hasRemaining()) {
          channel.write(out);
        }
      } catch (IOException e) {
        failed = e;
      }
    }
    if (failed != null) {
      // the peer is gone (EPIPE, ECONNRESET): broken now, as by a failed read, whether or not
      // the reader has seen the end of the stream yet — else the next call would find it open
      // and write to it again instead of connecting anew (outside the write lock: the close
      // listeners take locks of their own)
      IOException e = new IOException("writing to D-Bus at " + address + " failed: "
          + failed.getMessage(), failed);
      fail(e);
      throw e;
    }
  }

  private void readLoop() {
    ByteBuffer head = ByteBuffer.allocate(16);
    try {
      while (true) {
        head.clear();
        fill(head);
        byte[] h = head.array();
        int total = DBusMessage.totalLength(h);
        ByteBuffer whole = ByteBuffer.allocate(total);
        whole.put(h);
        fill(whole);
        dispatch(DBusMessage.decode(whole.array()));
      }
    } catch (IOException e) {
      fail(e);
    } catch (RuntimeException e) {
      fail(new IOException(e.toString(), e));
    }
  }

  private void fill(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new IOException("the D-Bus peer closed the connection");
      }
    }
  }

  private void dispatch(DBusMessage m) {
    if (m.type() == DBusMessage.METHOD_RETURN || m.type() == DBusMessage.ERROR) {
      CompletableFuture<DBusMessage> f = pending.get(m.replySerial());
      if (f != null) {
        f.complete(m);
      }
    } else if (m.type() == DBusMessage.SIGNAL) {
      for (Consumer<DBusMessage> l : signalListeners) {
        l.accept(m);
      }
    }
    // method calls to us (e.g. org.freedesktop.DBus.Peer.Ping) are not answered
  }

  private void fail(IOException e) {
    boolean first;
    synchronized (this) {
      first = broken == null;
      if (first) {
        broken = e;
      }
    }
    for (CompletableFuture<DBusMessage> f : pending.values()) {
      f.completeExceptionally(e);
    }
    if (first) {
      for (Consumer<IOException> l : closeListeners) {
        l.accept(e);
      }
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a broken socket
    }
  }

  @Override
  public void close() {
    fail(new IOException("closed"));
  }
}
