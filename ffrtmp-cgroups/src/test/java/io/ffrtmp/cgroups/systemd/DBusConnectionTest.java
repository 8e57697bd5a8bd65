package io.ffrtmp.cgroups.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The D-Bus client against a real bus: a private {@code dbus-daemon} started for the test (the
 * wire format both ways, authentication, errors, signals). The systemd backend's use of it
 * against a real systemd is tested in the systemd VM suite.
 */
class DBusConnectionTest {
  @TempDir Path dir;
  private Process daemon;
  private String address;

  @BeforeEach
  void startDaemon() throws Exception {
    Path exe = Path.of("/usr/bin/dbus-daemon");
    assumeTrue(Files.isExecutable(exe), "SKIPPED: no /usr/bin/dbus-daemon (apt-get install dbus-daemon)");
    Path socket = dir.resolve("bus");
    daemon = new ProcessBuilder(exe.toString(), "--session", "--nofork", "--nopidfile",
        "--address=unix:path=" + socket).redirectErrorStream(true)
        .redirectOutput(dir.resolve("daemon.log").toFile()).start();
    for (int i = 0; i < 500 && !Files.exists(socket); i++) {
      Thread.sleep(10);
    }
    assertTrue(Files.exists(socket), "dbus-daemon did not create " + socket);
    // the socket file exists from its bind(), a connect succeeds from its listen(): wait for that
    java.net.UnixDomainSocketAddress at = java.net.UnixDomainSocketAddress.of(socket);
    boolean listening = false;
    for (int i = 0; i < 500 && !listening; i++) {
      try (java.nio.channels.SocketChannel probe =
          java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        listening = probe.connect(at);
      } catch (java.io.IOException e) {
        Thread.sleep(10);
      }
    }
    assertTrue(listening, "dbus-daemon does not accept connections on " + socket);
    address = "unix:path=" + socket;
  }

  @AfterEach
  void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.destroyForcibly();
      daemon.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void helloCallsErrorsAndSignals() throws Exception {
    try (DBusConnection c = DBusConnection.open(address, true)) {
      assertTrue(c.uniqueName().startsWith(":"), c.uniqueName());
      String id = c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
          "GetId", "").firstString();
      assertEquals(32, id.length(), id);
      List<?> names = (List<?>) c.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
          "org.freedesktop.DBus", "ListNames", "").body().get(0);
      assertTrue(names.contains(c.uniqueName()), names.toString());
      // an error reply carries its name and text
      DBusConnection.DBusException e = assertThrows(DBusConnection.DBusException.class,
          () -> c.call("org.example.Nobody", "/", "org.example.X", "Y", ""));
      assertEquals("org.freedesktop.DBus.Error.ServiceUnknown", e.name());
      // signals: NameOwnerChanged when a second client connects
      c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch",
          "s", "type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged'");
      CompletableFuture<String> seen = new CompletableFuture<>();
      c.onSignal(m -> {
        if ("NameOwnerChanged".equals(m.member()) && m.body().get(0) instanceof String s
            && s.startsWith(":") && !s.equals(c.uniqueName())) {
          seen.complete(s);
        }
      });
      String other;
      try (DBusConnection d = DBusConnection.open(address, true)) {
        other = d.uniqueName();
      }
      assertEquals(other, seen.get(10, TimeUnit.SECONDS));
      // a complex argument goes through the daemon intact: it echoes match rules it rejects
      DBusConnection.DBusException bad = assertThrows(DBusConnection.DBusException.class,
          () -> c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
              "AddMatch", "s", "type='nonsense'"));
      assertTrue(bad.name().startsWith("org.freedesktop.DBus.Error."), bad.name());
    }
  }

  @Test
  void aClosedPeerFailsCallsInsteadOfHanging() throws Exception {
    DBusConnection c = DBusConnection.open(address, true);
    CompletableFuture<IOException> told = new CompletableFuture<>();
    c.onClose(told::complete);
    daemon.destroyForcibly();
    daemon.waitFor(10, TimeUnit.SECONDS);
    IOException e = assertThrows(IOException.class, () -> {
      for (int i = 0; i < 100; i++) {
        c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
            "");
        Thread.sleep(20);
      }
    });
    assertTrue(!c.isOpen(), "still open after " + e);
    assertTrue(told.get(10, TimeUnit.SECONDS) != null, "close listeners are told");
    c.close();
  }

  /**
   * A call whose write fails breaks the connection at once, as a failed read does: it reports
   * closed and tells its close listeners, so that the next call connects anew instead of writing
   * to a dead peer again. Here the reader cannot see an end first: the peer stopped reading
   * ({@code shutdown(SHUT_RD)}: the write fails with EPIPE) but keeps its sending side open.
   */
  @Test
  void aCallWhoseWriteFails_breaksTheConnection() throws Exception {
    Path socket = dir.resolve("peer");
    try (java.nio.channels.ServerSocketChannel server =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(socket));
      CompletableFuture<java.nio.channels.SocketChannel> accepted =
          CompletableFuture.supplyAsync(() -> {
            try {
              java.nio.channels.SocketChannel ch = server.accept();
              assertTrue(DBusConnection.readLine(ch).startsWith("\0AUTH EXTERNAL "));
              ch.write(java.nio.ByteBuffer.wrap("OK 0123456789abcdef0123456789abcdef\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
              assertEquals("BEGIN", DBusConnection.readLine(ch));
              return ch;
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      DBusConnection c = DBusConnection.open("unix:path=" + socket, false);
      try (java.nio.channels.SocketChannel peer = accepted.get(10, TimeUnit.SECONDS)) {
        CompletableFuture<IOException> told = new CompletableFuture<>();
        c.onClose(told::complete);
        peer.shutdownInput();
        IOException e = assertThrows(IOException.class, () -> c.call("org.freedesktop.DBus",
            "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", ""));
        assertFalse(c.isOpen(), "still open after " + e);
        assertTrue(e.getMessage().contains("writing to D-Bus at unix:path=" + socket + " failed"),
            e.getMessage());
        assertEquals(e, told.get(10, TimeUnit.SECONDS), "close listeners are told");
      } finally {
        c.close();
      }
    }
  }

  @Test
  void addressesOtherThanAUnixPathAreNamed() {
    IOException e = assertThrows(IOException.class,
        () -> DBusConnection.socketOf("unix:abstract=/tmp/dbus-x"));
    assertTrue(e.getMessage().contains("unix:abstract=/tmp/dbus-x"), e.getMessage());
  }

  @Test
  void marshallingRoundTripOfSystemdsArgumentShapes() throws Exception {
    List<Object> props = List.of(
        List.of("PIDs", new DBusMessage.Variant("au", List.of(42L, 43L))),
        List.of("MemoryMax", new DBusMessage.Variant("t", 64L << 20)),
        List.of("CPUAccounting", new DBusMessage.Variant("b", true)),
        List.of("Description", new DBusMessage.Variant("s", "ffrtmp: sleep 1 \u00e9")));
    DBusMessage m = DBusMessage.call(7, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
        "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa(sv)a(sa(sv))",
        "x.scope", "fail", props, List.of());
    DBusMessage back = DBusMessage.decode(m.encode());
    assertEquals("StartTransientUnit", back.member());
    assertEquals("ssa(sv)a(sa(sv))", back.signature());
    assertEquals(7, back.serial());
    assertEquals("x.scope", back.body().get(0));
    List<?> p = (List<?>) back.body().get(2);
    assertEquals(4, p.size());
    assertEquals(List.of("PIDs", new DBusMessage.Variant("au", List.of(42L, 43L))), p.get(0));
    assertEquals(List.of("MemoryMax", new DBusMessage.Variant("t", 64L << 20)), p.get(1));
    assertEquals(List.of("CPUAccounting", new DBusMessage.Variant("b", true)), p.get(2));
    assertEquals("ffrtmp: sleep 1 \u00e9",
        ((DBusMessage.Variant) ((List<?>) p.get(3)).get(1)).value());
    assertEquals(List.of(), back.body().get(3));
  }
}
