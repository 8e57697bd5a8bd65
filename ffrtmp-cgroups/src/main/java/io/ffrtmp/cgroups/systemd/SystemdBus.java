package io.ffrtmp.cgroups.systemd;

import io.ffrtmp.cgroups.systemd.DBusMessage.Variant;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * systemd's manager on D-Bus, as the backend uses it: one connection per JVM (per bus address),
 * subscribed to {@code JobRemoved} before any job is started, and the few methods of {@code
 * org.freedesktop.systemd1.Manager} the backend calls. Closed at JVM shutdown.
 */
final class SystemdBus {
  static final String DESTINATION = "org.freedesktop.systemd1";
  static final String PATH = "/org/freedesktop/systemd1";
  static final String MANAGER = "org.freedesktop.systemd1.Manager";
  /** How long a scope's start job may take (under emulation: seconds). */
  static final long JOB_TIMEOUT_MS = 60_000;

  private static @Nullable SystemdBus shared;
  private static boolean hookAdded;

  private final DBusConnection connection;
  private final String address;
  private final boolean user;
  /** Jobs removed before anyone asked, by job path (bounded: the bus carries every job). */
  private final Map<String, String> removed = new LinkedHashMap<>(64, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 4096;
    }
  };
  private final Map<String, CompletableFuture<String>> waiting = new LinkedHashMap<>();

  private SystemdBus(DBusConnection connection, String address, boolean user) {
    this.connection = connection;
    this.address = address;
    this.user = user;
  }

  /**
   * The shared connection to the manager at {@code address}, opened (and subscribed) on first
   * use and again after it broke.
   *
   * @param address the bus address
   * @param user whether it is a user manager's bus
   * @return the manager
   * @throws IOException when the bus or the manager does not answer
   */
  static synchronized SystemdBus connect(String address, boolean user) throws IOException {
    SystemdBus b = shared;
    if (b != null && b.connection.isOpen() && b.address.equals(address)) {
      return b;
    }
    if (b != null) {
      b.connection.close();
      shared = null;
    }
    DBusConnection c = DBusConnection.open(address, true);
    SystemdBus fresh = new SystemdBus(c, address, user);
    try {
      c.onSignal(fresh::onSignal);
      c.onClose(fresh::onClose);
      c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch",
          "s", "type='signal',sender='" + DESTINATION + "',path='" + PATH + "',interface='"
              + MANAGER + "',member='JobRemoved'");
      c.call(DESTINATION, PATH, MANAGER, "Subscribe", "");
    } catch (IOException e) {
      c.close();
      throw e;
    }
    shared = fresh;
    if (!hookAdded) {
      hookAdded = true;
      Runtime.getRuntime().addShutdownHook(new Thread(SystemdBus::closeShared,
          "ffrtmp-dbus-close"));
    }
    return fresh;
  }

  private static synchronized void closeShared() {
    SystemdBus b = shared;
    if (b != null) {
      b.connection.close();
      shared = null;
    }
  }

  boolean user() {
    return user;
  }

  /**
   * The manager's version.
   *
   * @return e.g. {@code 252.38-1~deb12u1}
   * @throws IOException when it does not answer
   */
  String version() throws IOException {
    DBusMessage m = connection.call(DESTINATION, PATH, "org.freedesktop.DBus.Properties", "Get",
        "ss", MANAGER, "Version");
    Object v = m.body().isEmpty() ? null : m.body().get(0);
    return v instanceof Variant var ? String.valueOf(var.value()) : "unknown";
  }

  /**
   * Starts a transient unit (mode {@code fail}) and waits for its job to be removed.
   *
   * @param name the unit's name
   * @param properties its properties: (name, variant) pairs
   * @return the job's result: {@code done} on success
   * @throws IOException when systemd refuses the unit (a {@link DBusConnection.DBusException})
   *     or the job does not end in time
   */
  String startTransientUnit(String name, List<Object> properties) throws IOException {
    DBusMessage reply = connection.call(DESTINATION, PATH, MANAGER, "StartTransientUnit",
        "ssa(sv)a(sa(sv))", name, "fail", properties, List.of());
    return awaitJob(reply.firstString(), name);
  }

  /**
   * Changes properties of a running unit ({@code SetUnitProperties}, runtime only: nothing is
   * written to {@code /etc}, and the scope is gone with its workload anyway).
   *
   * @param unit the unit
   * @param properties (name, variant) pairs
   * @throws IOException when systemd refuses (a {@link DBusConnection.DBusException})
   */
  void setUnitProperties(String unit, List<Object> properties) throws IOException {
    connection.call(DESTINATION, PATH, MANAGER, "SetUnitProperties", "sba(sv)", unit, true,
        properties);
  }

  /**
   * Moves processes into a running unit (systemd 238 and later).
   *
   * @param unit the unit
   * @param subcgroup a cgroup below the unit's (delegated units only), or ""
   * @param pids the processes
   * @throws IOException when systemd refuses
   */
  void attachProcesses(String unit, String subcgroup, List<Long> pids) throws IOException {
    connection.call(DESTINATION, PATH, MANAGER, "AttachProcessesToUnit", "ssau", unit, subcgroup,
        pids);
  }

  /**
   * A loaded unit's control group, as systemd knows it ({@code GetUnit}, then the scope's {@code
   * ControlGroup} property).
   *
   * @param unit the scope unit
   * @return its cgroup path, or empty when systemd has no such unit (it ended and was collected)
   * @throws IOException when systemd does not answer
   */
  java.util.Optional<String> controlGroup(String unit) throws IOException {
    DBusMessage m;
    try {
      m = connection.call(DESTINATION, PATH, MANAGER, "GetUnit", "s", unit);
    } catch (DBusConnection.DBusException e) {
      if (e.name().equals("org.freedesktop.systemd1.NoSuchUnit")) {
        return java.util.Optional.empty();
      }
      throw e;
    }
    DBusMessage p = connection.call(DESTINATION, m.firstString(),
        "org.freedesktop.DBus.Properties", "Get", "ss", "org.freedesktop.systemd1.Scope",
        "ControlGroup");
    Object v = p.body().isEmpty() ? null : p.body().get(0);
    String group = v instanceof Variant var ? String.valueOf(var.value()) : "";
    return group.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(group);
  }

  private String awaitJob(String job, String unit) throws IOException {
    CompletableFuture<String> f;
    synchronized (this) {
      String done = removed.remove(job);
      if (done != null) {
        return done;
      }
      f = new CompletableFuture<>();
      waiting.put(job, f);
    }
    try {
      return f.get(JOB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("systemd did not finish starting " + unit + " within "
          + JOB_TIMEOUT_MS + " ms (job " + job + ")");
    } catch (ExecutionException e) {
      throw new IOException("the D-Bus connection broke while starting " + unit + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while starting " + unit);
    } finally {
      synchronized (this) {
        waiting.remove(job);
      }
    }
  }

  /** The connection broke: whoever waits for a job learns it now, not after the timeout. */
  private synchronized void onClose(IOException e) {
    for (CompletableFuture<String> f : waiting.values()) {
      f.completeExceptionally(e);
    }
  }

  /** JobRemoved (u id, o job, s unit, s result): to its waiter, or kept for one to come. */
  private void onSignal(DBusMessage m) {
    if (!"JobRemoved".equals(m.member()) || m.body().size() < 4) {
      return;
    }
    String job = String.valueOf(m.body().get(1));
    String result = String.valueOf(m.body().get(3));
    synchronized (this) {
      CompletableFuture<String> f = waiting.get(job);
      if (f != null) {
        f.complete(result);
      } else {
        removed.put(job, result);
      }
    }
  }
}
