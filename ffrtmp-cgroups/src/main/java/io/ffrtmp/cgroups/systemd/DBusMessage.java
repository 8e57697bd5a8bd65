package io.ffrtmp.cgroups.systemd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One D-Bus message and its wire format (the D-Bus specification's "Message Protocol"): what
 * the systemd backend sends and receives, and nothing more — method calls, returns, errors and
 * signals, with bodies marshalled from a type signature.
 *
 * <p>Values are plain Java objects, chosen by the signature: {@code y b n q i u x t} are {@link
 * Number}s (read back as {@link Long}, {@code b} as {@link Boolean}), {@code d} a {@link Double},
 * {@code s o g} {@link String}s, arrays and structs {@link List}s, and variants {@link Variant}s.
 * Unix file descriptors ({@code h}) are not supported: the transport cannot pass them.
 *
 * @param type the message type
 * @param serial its serial
 * @param replySerial the serial it answers, or 0
 * @param path the object path, or null
 * @param iface the interface, or null
 * @param member the method or signal name, or null
 * @param errorName the error's name, or null
 * @param destination the destination, or null
 * @param sender the sender, or null
 * @param signature the body's signature ({@code ""} for none)
 * @param body the body's values
 */
record DBusMessage(int type, long serial, long replySerial, @Nullable String path,
    @Nullable String iface, @Nullable String member, @Nullable String errorName,
    @Nullable String destination, @Nullable String sender, String signature,
    List<Object> body) {

  static final int METHOD_CALL = 1;
  static final int METHOD_RETURN = 2;
  static final int ERROR = 3;
  static final int SIGNAL = 4;

  /** The longest message the specification allows (128 MiB); more is a broken peer. */
  static final int MAX_LENGTH = 128 << 20;

  /**
   * A variant: a value with its own signature.
   *
   * @param signature one complete type
   * @param value the value
   */
  record Variant(String signature, Object value) {}

  /**
   * A method call.
   *
   * @param serial its serial
   * @param destination the bus name
   * @param path the object
   * @param iface the interface
   * @param member the method
   * @param signature the arguments' signature
   * @param args the arguments
   * @return the message
   */
  static DBusMessage call(long serial, String destination, String path, String iface,
      String member, String signature, Object... args) {
    return new DBusMessage(METHOD_CALL, serial, 0, path, iface, member, null, destination, null,
        signature, List.of(args));
  }

  /**
   * The body's first value as a string (a returned name, path or an error's text).
   *
   * @return the text, or "" without one
   */
  String firstString() {
    return !body.isEmpty() && body.get(0) instanceof String s ? s : "";
  }

  // ---- writing -----------------------------------------------------------------------------

  /**
   * Encodes the message (little-endian).
   *
   * @return the bytes
   */
  byte[] encode() {
    Writer body = new Writer();
    SigReader types = new SigReader(signature);
    for (Object v : this.body) {
      body.write(types.next(), v);
    }
    if (types.hasNext()) {
      throw new IllegalArgumentException("missing arguments for signature " + signature);
    }
    List<Object> fields = new ArrayList<>();
    addField(fields, 1, "o", path);
    addField(fields, 2, "s", iface);
    addField(fields, 3, "s", member);
    addField(fields, 4, "s", errorName);
    if (replySerial != 0) {
      fields.add(List.of(5, new Variant("u", replySerial)));
    }
    addField(fields, 6, "s", destination);
    if (!signature.isEmpty()) {
      fields.add(List.of(8, new Variant("g", signature)));
    }
    Writer h = new Writer();
    h.write("y", (int) 'l');
    h.write("y", type);
    h.write("y", 0);
    h.write("y", 1);
    h.write("u", body.size());
    h.write("u", serial);
    h.write("a(yv)", fields);
    h.pad(8);
    byte[] out = new byte[h.size() + body.size()];
    System.arraycopy(h.bytes(), 0, out, 0, h.size());
    System.arraycopy(body.bytes(), 0, out, h.size(), body.size());
    return out;
  }

  private static void addField(List<Object> fields, int code, String sig,
      @Nullable String value) {
    if (value != null) {
      fields.add(List.of(code, new Variant(sig, value)));
    }
  }

  /** A growing little-endian buffer with D-Bus alignment, positions counted from its start. */
  static final class Writer {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

    int size() {
      return buf.position();
    }

    byte[] bytes() {
      byte[] out = new byte[buf.position()];
      System.arraycopy(buf.array(), 0, out, 0, out.length);
      return out;
    }

    private void room(int n) {
      if (buf.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
            .order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    void pad(int alignment) {
      int p = buf.position();
      int n = (alignment - p % alignment) % alignment;
      room(n);
      for (int i = 0; i < n; i++) {
        buf.put((byte) 0);
      }
    }

    void write(String type, Object value) {
      switch (type.charAt(0)) {
        case 'y':
          room(1);
          buf.put((byte) ((Number) value).intValue());
          break;
        case 'b':
          pad(4);
          room(4);
          buf.putInt(Boolean.TRUE.equals(value) ? 1 : 0);
          break;
        case 'n':
        case 'q':
          pad(2);
          room(2);
          buf.putShort((short) ((Number) value).intValue());
          break;
        case 'i':
        case 'u':
          pad(4);
          room(4);
          buf.putInt((int) ((Number) value).longValue());
          break;
        case 'x':
        case 't':
          pad(8);
          room(8);
          buf.putLong(((Number) value).longValue());
          break;
        case 'd':
          pad(8);
          room(8);
          buf.putDouble(((Number) value).doubleValue());
          break;
        case 's':
        case 'o': {
          byte[] s = ((String) value).getBytes(StandardCharsets.UTF_8);
          pad(4);
          room(4 + s.length + 1);
          buf.putInt(s.length);
          buf.put(s);
          buf.put((byte) 0);
          break;
        }
        case 'g': {
          byte[] s = ((String) value).getBytes(StandardCharsets.UTF_8);
          if (s.length > 255) {
            throw new IllegalArgumentException("signature too long: " + value);
          }
          room(1 + s.length + 1);
          buf.put((byte) s.length);
          buf.put(s);
          buf.put((byte) 0);
          break;
        }
        case 'v': {
          Variant v = (Variant) value;
          write("g", v.signature());
          write(v.signature(), v.value());
          break;
        }
        case 'a': {
          String element = type.substring(1);
          pad(4);
          int lengthAt = buf.position();
          room(4);
          buf.putInt(0);
          pad(alignment(element.charAt(0)));
          int start = buf.position();
          for (Object item : (List<?>) value) {
            write(element, item);
          }
          buf.putInt(lengthAt, buf.position() - start);
          break;
        }
        case '(':
        case '{': {
          pad(8);
          SigReader inner = new SigReader(type.substring(1, type.length() - 1));
          for (Object item : (List<?>) value) {
            write(inner.next(), item);
          }
          if (inner.hasNext()) {
            throw new IllegalArgumentException("too few fields for " + type + ": " + value);
          }
          break;
        }
        default:
          throw new IllegalArgumentException("unsupported D-Bus type " + type);
      }
    }
  }

  static int alignment(char type) {
    switch (type) {
      case 'y':
      case 'g':
      case 'v':
        return 1;
      case 'n':
      case 'q':
        return 2;
      case 'x':
      case 't':
      case 'd':
      case '(':
      case '{':
        return 8;
      default:
        return 4;
    }
  }

  /** Splits a signature into its complete types, one by one. */
  static final class SigReader {
    private final String sig;
    private int at;

    SigReader(String sig) {
      this.sig = sig;
    }

    boolean hasNext() {
      return at < sig.length();
    }

    String next() {
      if (!hasNext()) {
        throw new IllegalArgumentException("more values than the signature " + sig + " holds");
      }
      int start = at;
      at = end(sig, at);
      return sig.substring(start, at);
    }

    private static int end(String sig, int i) {
      char c = sig.charAt(i);
      if (c == 'a') {
        return end(sig, i + 1);
      }
      if (c == '(' || c == '{') {
        char close = c == '(' ? ')' : '}';
        int j = i + 1;
        while (sig.charAt(j) != close) {
          j = end(sig, j);
        }
        return j + 1;
      }
      return i + 1;
    }
  }

  // ---- reading -----------------------------------------------------------------------------

  /**
   * How many bytes the whole message has, from its first 16 bytes.
   *
   * @param head the first 16 bytes
   * @return the total length
   * @throws IOException when the header is not a D-Bus header
   */
  static int totalLength(byte[] head) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(head).order(order(head[0]));
    long body = Integer.toUnsignedLong(b.getInt(4));
    long fields = Integer.toUnsignedLong(b.getInt(12));
    long header = 16 + fields;
    header += (8 - header % 8) % 8;
    long total = header + body;
    if (total > MAX_LENGTH) {
      throw new IOException("D-Bus message of " + total + " bytes: not a D-Bus peer");
    }
    return (int) total;
  }

  private static ByteOrder order(byte endian) throws IOException {
    if (endian == 'l') {
      return ByteOrder.LITTLE_ENDIAN;
    }
    if (endian == 'B') {
      return ByteOrder.BIG_ENDIAN;
    }
    throw new IOException("not a D-Bus message (endianness byte " + endian + ")");
  }

  /**
   * Decodes one whole message.
   *
   * @param bytes the message, as long as {@link #totalLength(byte[])} said
   * @return the message
   * @throws IOException when it is malformed
   */
  static DBusMessage decode(byte[] bytes) throws IOException {
    try {
      Reader r = new Reader(ByteBuffer.wrap(bytes).order(order(bytes[0])));
      r.buf.position(1);
      int type = ((Number) r.read("y")).intValue();
      r.read("y");
      r.read("y");
      long bodyLength = (Long) r.read("u");
      long serial = (Long) r.read("u");
      @SuppressWarnings("unchecked")
      List<Object> fields = (List<Object>) r.read("a(yv)");
      String path = null;
      String iface = null;
      String member = null;
      String error = null;
      String destination = null;
      String sender = null;
      String signature = "";
      long replySerial = 0;
      for (Object f : fields) {
        List<?> pair = (List<?>) f;
        int code = ((Number) pair.get(0)).intValue();
        Object v = ((Variant) pair.get(1)).value();
        switch (code) {
          case 1: path = (String) v; break;
          case 2: iface = (String) v; break;
          case 3: member = (String) v; break;
          case 4: error = (String) v; break;
          case 5: replySerial = (Long) v; break;
          case 6: destination = (String) v; break;
          case 7: sender = (String) v; break;
          case 8: signature = (String) v; break;
          default: break;
        }
      }
      r.pad(8);
      int bodyStart = r.buf.position();
      if (bodyStart + bodyLength != bytes.length) {
        throw new IOException("D-Bus message length mismatch");
      }
      // alignment in the body counts from the body's start: the header is padded to 8, so
      // positions in the whole message have the same alignment
      List<Object> body = new ArrayList<>();
      SigReader types = new SigReader(signature);
      while (types.hasNext()) {
        body.add(r.read(types.next()));
      }
      return new DBusMessage(type, serial, replySerial, path, iface, member, error, destination,
          sender, signature, body);
    } catch (RuntimeException e) {
      throw new IOException("malformed D-Bus message: " + e, e);
    }
  }

  /** Reads values by signature. */
  static final class Reader {
    final ByteBuffer buf;

    Reader(ByteBuffer buf) {
      this.buf = buf;
    }

    void pad(int alignment) {
      int p = buf.position();
      buf.position(p + (alignment - p % alignment) % alignment);
    }

    Object read(String type) {
      switch (type.charAt(0)) {
        case 'y':
          return (long) (buf.get() & 0xff);
        case 'b':
          pad(4);
          return buf.getInt() != 0;
        case 'n':
          pad(2);
          return (long) buf.getShort();
        case 'q':
          pad(2);
          return (long) (buf.getShort() & 0xffff);
        case 'i':
          pad(4);
          return (long) buf.getInt();
        case 'u':
        case 'h':
          pad(4);
          return Integer.toUnsignedLong(buf.getInt());
        case 'x':
        case 't':
          pad(8);
          return buf.getLong();
        case 'd':
          pad(8);
          return buf.getDouble();
        case 's':
        case 'o': {
          pad(4);
          int n = buf.getInt();
          String s = new String(buf.array(), buf.position(), n, StandardCharsets.UTF_8);
          buf.position(buf.position() + n + 1);
          return s;
        }
        case 'g': {
          int n = buf.get() & 0xff;
          String s = new String(buf.array(), buf.position(), n, StandardCharsets.UTF_8);
          buf.position(buf.position() + n + 1);
          return s;
        }
        case 'v': {
          String sig = (String) read("g");
          return new Variant(sig, read(sig));
        }
        case 'a': {
          String element = type.substring(1);
          pad(4);
          int n = buf.getInt();
          pad(alignment(element.charAt(0)));
          int end = buf.position() + n;
          List<Object> out = new ArrayList<>();
          while (buf.position() < end) {
            out.add(read(element));
          }
          return out;
        }
        case '(':
        case '{': {
          pad(8);
          SigReader inner = new SigReader(type.substring(1, type.length() - 1));
          List<Object> out = new ArrayList<>();
          while (inner.hasNext()) {
            out.add(read(inner.next()));
          }
          return out;
        }
        default:
          throw new IllegalArgumentException("unsupported D-Bus type " + type);
      }
    }
  }
}
